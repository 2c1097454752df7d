"""People on the roster: Party members and everyone else the four mechanisms touch."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class OrgUnitKind(StrEnum):
    """The levels of the tree; one branch today, a group of branches tomorrow."""

    COMMITTEE = "committee"  # 党委
    BRANCH = "branch"  # 党支部
    GROUP = "group"  # 党小组

    @property
    def label(self) -> str:
        """The Chinese name shown to people."""
        return {"committee": "党委", "branch": "党支部", "group": "党小组"}[self.value]


class OrgUnit(SQLModel, table=True):
    """One unit of the Party organisation."""

    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # an OrgUnitKind value
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True),
    )
    sort_order: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class PoliticalStage(StrEnum):
    """群众 → 入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员."""

    MASSES = "masses"
    APPLICANT = "applicant"
    ACTIVIST = "activist"
    CANDIDATE = "candidate"
    PROBATIONARY = "probationary"
    FULL = "full"

    @property
    def label(self) -> str:
        """The Chinese name (what the roster file and the console show)."""
        return STAGE_LABELS[self]

    @property
    def is_party_member(self) -> bool:
        """Probationary and full members are Party members; the earlier stages are not."""
        return self in (PoliticalStage.PROBATIONARY, PoliticalStage.FULL)


STAGE_LABELS = {
    PoliticalStage.MASSES: "群众",
    PoliticalStage.APPLICANT: "入党申请人",
    PoliticalStage.ACTIVIST: "入党积极分子",
    PoliticalStage.CANDIDATE: "发展对象",
    PoliticalStage.PROBATIONARY: "预备党员",
    PoliticalStage.FULL: "正式党员",
}
STAGE_BY_LABEL = {label: stage for stage, label in STAGE_LABELS.items()}


class PersonStatus(StrEnum):
    """Whether the person is still on the active roster."""

    ACTIVE = "active"
    TRANSFERRED_OUT = "transferred_out"  # 组织关系转出
    LEFT = "left"  # 离职
    RETIRED = "retired"  # 退休
    DECEASED = "deceased"  # 去世

    @property
    def label(self) -> str:
        """The Chinese name."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    PersonStatus.ACTIVE: "在册",
    PersonStatus.TRANSFERRED_OUT: "已转出",
    PersonStatus.LEFT: "已离职",
    PersonStatus.RETIRED: "已退休",
    PersonStatus.DECEASED: "已去世",
}
STATUS_BY_LABEL = {label: status for status, label in STATUS_LABELS.items()}


class Person(SQLModel, table=True):
    """One person on the roster (no national ID numbers are ever stored)."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_org_unit_stage", "org_unit_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_no: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=50, index=True)
    department: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=100)
    # Managers sign integrity pledges too; key posts get integrity talks (issue 7).
    is_manager: bool = False
    org_unit_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT")),
    )
    stage: str = Field(default=PoliticalStage.MASSES.value, max_length=16)  # PoliticalStage
    stage_since: date | None = Field(default=None, sa_column=Column(Date))
    # 预备期 ends one year after admission; conversion (转正) is due then.
    probation_ends_on: date | None = Field(default=None, sa_column=Column(Date))
    status: str = Field(default=PersonStatus.ACTIVE.value, max_length=16)  # PersonStatus
    phone: str | None = Field(default=None, max_length=20)  # shown masked, never logged
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class StageTransition(SQLModel, table=True):
    """A dated step of a person's political stage, with who recorded it and on what basis."""

    __tablename__ = "stage_transition"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    from_stage: str | None = Field(default=None, max_length=16)
    to_stage: str = Field(max_length=16)
    occurred_on: date = Field(sa_column=Column(Date, nullable=False))
    # The document behind the step (resolution number, approval letter, …).
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class BranchRole(SQLModel, table=True):
    """A role someone holds in a unit: secretary, committee member, group leader, …."""

    __tablename__ = "branch_role"
    __table_args__ = (
        # One 支部书记 per unit: the service says who holds it; this closes the race between two.
        Index(
            "uq_branch_role_secretary",
            "org_unit_id",
            unique=True,
            postgresql_where=text("role = 'secretary'"),
            sqlite_where=text("role = 'secretary'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="CASCADE"), nullable=False)
    )
    role: str = Field(max_length=32)  # a BranchRoleKind value
    since: date | None = Field(default=None, sa_column=Column(Date))


class BranchRoleKind(StrEnum):
    """Roles in a unit (支部书记, 副书记, 支委委员, 党小组长)."""

    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    COMMITTEE_MEMBER = "committee_member"
    GROUP_LEADER = "group_leader"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    BranchRoleKind.SECRETARY: "支部书记",
    BranchRoleKind.DEPUTY_SECRETARY: "副书记",
    BranchRoleKind.COMMITTEE_MEMBER: "支委委员",
    BranchRoleKind.GROUP_LEADER: "党小组长",
}
ROLE_BY_LABEL = {label: role for role, label in ROLE_LABELS.items()}


class StudyPair(SQLModel, table=True):
    """结对帮学: a leader (committee member or manager) studies with a partner."""

    __tablename__ = "study_pair"
    __table_args__ = (
        # One running pair of the same leader and partner (the service also refuses the reverse).
        Index(
            "uq_study_pair_running",
            "leader_id",
            "partner_id",
            unique=True,
            postgresql_where=text("ended_on IS NULL"),
            sqlite_where=text("ended_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    leader_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    partner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    started_on: date | None = Field(default=None, sa_column=Column(Date))
    ended_on: date | None = Field(default=None, sa_column=Column(Date))


class PersonBase(SQLModel):
    """The fields an admin edits (and the roster file carries)."""

    employee_no: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=50)
    department: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=100)
    is_manager: bool = False
    org_unit_id: int | None = None
    phone: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("phone")
    @classmethod
    def _phone_digits(cls, value: str | None) -> str | None:
        return _check_phone(value)

    @field_validator("*")
    @classmethod
    def _text_storable(cls, value: object) -> object:
        return _storable(value)


def _storable(value: object) -> object:
    """Refuse text PostgreSQL cannot store (NUL, lone surrogates): a clear 422, not a 500."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("文本中不能包含空字符")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("文本包含无效字符") from None
    return value


def _check_phone(value: str | None) -> str | None:
    """Digits, spaces, + and - only; empty means none."""
    if value is None or not value.strip():
        return None
    if not re.fullmatch(r"[0-9+\- ]{5,20}", value.strip()):
        raise ValueError("电话号码只能包含数字、空格、+ 和 -")
    return value.strip()


class PersonCreate(PersonBase):
    """A new person; the stage starts where the admin says, dated."""

    stage: PoliticalStage = PoliticalStage.MASSES
    stage_since: date | None = None
    probation_ends_on: date | None = None
    status: PersonStatus = PersonStatus.ACTIVE


class PersonUpdate(SQLModel):
    """A partial update; the stage changes only through a dated transition."""

    employee_no: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=50)
    department: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=100)
    is_manager: bool | None = None
    org_unit_id: int | None = None
    phone: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    status: PersonStatus | None = None
    probation_ends_on: date | None = None

    @field_validator("phone")
    @classmethod
    def _phone_digits(cls, value: str | None) -> str | None:
        return _check_phone(value)

    @field_validator("*")
    @classmethod
    def _text_storable(cls, value: object) -> object:
        return _storable(value)


class PersonPublic(SQLModel):
    """A person as the console and the API show them: phone masked, binding summarised."""

    id: int
    employee_no: str
    name: str
    department: str | None
    post: str | None
    is_manager: bool
    org_unit_id: int | None
    org_unit: str | None
    stage: PoliticalStage
    stage_label: str
    stage_since: date | None
    probation_ends_on: date | None
    status: PersonStatus
    status_label: str
    phone_masked: str | None
    wechat_bound: bool
    note: str | None


class StageTransitionCreate(SQLModel):
    """A dated step to another stage, with the document behind it."""

    to_stage: PoliticalStage
    occurred_on: date
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("*")
    @classmethod
    def _text_storable(cls, value: object) -> object:
        return _storable(value)
