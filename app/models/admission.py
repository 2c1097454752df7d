"""组织发展: a person's development file, its 25 steps, 公示, thought reports, the training class.

The procedure itself (the steps, their order and time rules) is data in
`app/services/admission/procedure.py`; these tables hold what happened to each person.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class FileStatus(StrEnum):
    """Where a development file stands."""

    OPEN = "open"  # steps still to take
    DONE = "done"  # 正式党员, materials archived
    STOPPED = "stopped"  # 终止发展 / 取消预备党员资格, with a reason

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"open": "发展中", "done": "已完成", "stopped": "已终止"}[self.value]


class AdmissionFile(SQLModel, table=True):
    """One person's development file (入党材料): the steps below hang off it."""

    __tablename__ = "admission_file"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    # Needed to refuse an application made before the 18th birthday (细则 第五条).
    birth_date: date | None = Field(default=None, sa_column=Column(Date))
    # Entered afterwards from paper records: the dates are kept, no reminders are sent.
    historical: bool = False
    status: str = Field(default=FileStatus.OPEN.value, max_length=16)
    status_reason: str | None = Field(default=None, sa_column=Column(Text))
    # 延长预备期 (6–12 months), decided by the branch meeting; 0 when not extended.
    probation_extension_months: int = 0
    extension_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class AssigneeRole(StrEnum):
    """The people named on a file: 培养联系人 (from step 5) and 入党介绍人 (from step 9)."""

    CONTACT = "contact"
    INTRODUCER = "introducer"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"contact": "培养联系人", "introducer": "入党介绍人"}[self.value]


class AdmissionAssignee(SQLModel, table=True):
    """A full member named on a file as contact or introducer."""

    __tablename__ = "admission_assignee"
    __table_args__ = (
        UniqueConstraint("file_id", "person_id", "role", name="uq_admission_assignee"),
    )

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_file.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    role: str = Field(max_length=16)  # an AssigneeRole value


class AdmissionStep(SQLModel, table=True):
    """One step of the procedure, done on a date (each step at most once per file)."""

    __tablename__ = "admission_step"
    # Two admins recording the same step at once: the second insert fails, the first stands.
    __table_args__ = (UniqueConstraint("file_id", "code", name="uq_admission_step_code"),)

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("admission_file.id", ondelete="CASCADE"), nullable=False
        )
    )
    code: str = Field(max_length=32)  # a procedure.STEPS code
    done_on: date = Field(sa_column=Column(Date, nullable=False))
    # The document the step produced: its number (文号) and date.
    document_no: str | None = Field(default=None, max_length=100)
    document_date: date | None = Field(default=None, sa_column=Column(Date))
    # What some steps need besides the date: the training's start, end and 学时, the reason an
    # approval took longer than three months, … (procedure.Step.fields says which).
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class AdmissionDocument(SQLModel, table=True):
    """A scanned document attached to a step (申请书, 谈话记录, 决议, 批复, …)."""

    __tablename__ = "admission_document"

    id: int | None = Field(default=None, primary_key=True)
    step_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_step.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    filename: str = Field(max_length=128)
    content_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str | None = Field(default=None, max_length=64)
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class AdmissionReview(SQLModel, table=True):
    """A half-yearly 考察 of an activist or candidate by the branch (每半年考察一次)."""

    __tablename__ = "admission_review"

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_file.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    reviewed_on: date = Field(sa_column=Column(Date, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ThoughtReport(SQLModel, table=True):
    """A 思想汇报 handed in (from WeChat: text or photos of a handwritten report)."""

    __tablename__ = "thought_report"

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_file.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    quarter: str = Field(max_length=8)  # "2026Q4", the China-time quarter it was handed in
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    via: str = Field(default="chat", max_length=16)  # chat / console
    content: str | None = Field(default=None, sa_column=Column(Text))
    # Photos of a handwritten report, sent in the chat: kept as attachments ("thought_report").
    photo_count: int = 0
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    comment: str | None = Field(default=None, sa_column=Column(Text))


class NoticeKind(StrEnum):
    """The two 公示 of the procedure."""

    CANDIDATE = "candidate"  # 拟发展对象公示, before 上级党委预审
    CONVERSION = "conversion"  # 拟转正公示, before the branch meeting on conversion

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"candidate": "发展党员公示", "conversion": "预备党员转正公示"}[self.value]


class PublicNotice(SQLModel, table=True):
    """A 公示: published for a number of working days; objections may be raised meanwhile."""

    __tablename__ = "public_notice"
    __table_args__ = (UniqueConstraint("file_id", "kind", name="uq_public_notice_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("admission_file.id", ondelete="CASCADE"), nullable=False
        )
    )
    kind: str = Field(max_length=16)  # a NoticeKind value
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))  # the last day, inclusive
    working_days: int
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    contact: str = Field(max_length=200)  # who takes objections, and how
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ObjectionOutcome(StrEnum):
    """The secretary's finding on an objection."""

    UPHELD = "upheld"  # 反映属实: the procedure stops until the branch decides
    DISMISSED = "dismissed"  # 反映不实 / 不影响发展

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"upheld": "反映属实", "dismissed": "反映不实"}[self.value]


class NoticeObjection(SQLModel, table=True):
    """An objection to a 公示. Anonymous ones keep no trace of who sent them: no person, no
    openid, and only the day they came in."""

    __tablename__ = "notice_objection"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("public_notice.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    named: bool = False
    objector_name: str | None = Field(default=None, max_length=50)
    objector_contact: str | None = Field(default=None, max_length=100)
    finding: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, max_length=16)  # an ObjectionOutcome value
    checked_by: str | None = Field(default=None, max_length=64)
    checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AdmissionCourse(SQLModel, table=True):
    """A 发展对象培训班: sessions held as meetings, a 学时 total and a closing exam."""

    __tablename__ = "admission_course"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    required_hours: int = 24  # 不少于 24 学时 (或 3 天)
    # The closing exam is a knowledge test; passing it (its own pass mark) is required.
    quiz_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("quiz.id", ondelete="SET NULL")),
    )
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class CourseSession(SQLModel, table=True):
    """A session of a course: a meeting (check-in and attendance come with it) and its 学时."""

    __tablename__ = "admission_course_session"

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_course.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    hours: int = 8


class CourseEnrolment(SQLModel, table=True):
    """A candidate's place in a course."""

    __tablename__ = "admission_course_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "file_id", name="uq_course_enrolment"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("admission_course.id", ondelete="CASCADE"), nullable=False
        )
    )
    file_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("admission_file.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
