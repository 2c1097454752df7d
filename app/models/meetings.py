"""Meetings (固定学习日, 三会一课, …): who was invited, came, asked for leave, made up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    Time,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class MeetingKind(StrEnum):
    """Every kind of meeting the seed document names."""

    STUDY_DAY = "study_day"
    GENERAL = "general_meeting"
    COMMITTEE = "committee"
    GROUP = "group_meeting"
    LECTURE = "lecture"
    SPECIAL_LECTURE = "special_lecture"
    THEME_DAY = "theme_day"
    LIFE_MEETING = "life_meeting"
    CENTER_GROUP = "center_group"
    STAFF_FORUM = "staff_forum"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return MEETING_KIND_LABELS[self]


MEETING_KIND_LABELS = {
    MeetingKind.STUDY_DAY: "固定学习日",
    MeetingKind.GENERAL: "支部党员大会",
    MeetingKind.COMMITTEE: "支委会",
    MeetingKind.GROUP: "党小组会",
    MeetingKind.LECTURE: "党课",
    MeetingKind.SPECIAL_LECTURE: "专题党课",
    MeetingKind.THEME_DAY: "主题党日",
    MeetingKind.LIFE_MEETING: "组织生活会",
    MeetingKind.CENTER_GROUP: "中心组学习",
    MeetingKind.STAFF_FORUM: "职工座谈会",
}


@dataclass(frozen=True)
class Requirement:
    """三会一课: how often a unit of `unit_kind` must hold meetings of `kinds`."""

    name: str
    kinds: tuple[MeetingKind, ...]
    unit_kind: str  # an OrgUnitKind value
    months: int  # 1 = monthly, 3 = quarterly

    @property
    def label(self) -> str:
        """ "每月" or "每季度"."""
        return {1: "每月", 3: "每季度", 12: "每年"}[self.months]


# The required frequencies (《中国共产党支部工作条例（试行）》): a 专题党课 counts as a 党课.
REQUIREMENTS = (
    Requirement("支部党员大会", (MeetingKind.GENERAL,), "branch", 3),
    Requirement("支委会", (MeetingKind.COMMITTEE,), "branch", 1),
    Requirement("党小组会", (MeetingKind.GROUP,), "group", 1),
    Requirement("党课", (MeetingKind.LECTURE, MeetingKind.SPECIAL_LECTURE), "branch", 3),
)


class MeetingStatus(StrEnum):
    """Scheduled until it is cancelled; held or not is read from the clock and the records."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class StudyDayRule(SQLModel, table=True):
    """A unit's fixed monthly study day: "the 5th" or "the first Friday", at a time of day."""

    __tablename__ = "study_day_rule"

    id: int | None = Field(default=None, primary_key=True)
    org_unit_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("org_unit.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    title: str = Field(default="党员固定学习日", max_length=100)
    # "day": day_of_month (a month too short for it uses its last day);
    # "weekday": the week_of_month-th (1–4, or -1 for the last) weekday (0 = Monday).
    mode: str = Field(default="weekday", max_length=16)
    day_of_month: int | None = None
    week_of_month: int | None = None
    weekday: int | None = None
    start_time: time = Field(sa_column=Column(Time, nullable=False))
    duration_minutes: int = 120
    place: str | None = Field(default=None, max_length=100)
    months_ahead: int = 3
    active: bool = True
    updated_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Meeting(SQLModel, table=True):
    """One meeting of any kind: when, where, what, who is invited, and its check-in window."""

    __tablename__ = "meeting"
    __table_args__ = (
        # A rule creates at most one occurrence per month, however often the planner runs.
        UniqueConstraint("rule_id", "occurrence_month", name="uq_meeting_rule_month"),
        Index("ix_meeting_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # a MeetingKind value
    title: str = Field(max_length=100)
    topic: str | None = Field(default=None, sa_column=Column(Text))
    # The unit that holds it (三会一课 counts per unit).
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    place: str | None = Field(default=None, max_length=100)
    host_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL")),
    )
    lecturer: str | None = Field(default=None, max_length=50)
    # Study materials: [{"title": …, "url": …, "issue_id": …}] (links or newsletter issues).
    materials: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    # Invitees: "unit" = the active people of invite_unit_id and its sub-units (Party members
    # only when party_members_only), kept up to date until the meeting ends; "people" = a list.
    invite_mode: str = Field(default="unit", max_length=16)
    invite_unit_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="SET NULL")),
    )
    party_members_only: bool = True
    checkin_opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    checkin_closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    remind: bool = True
    follow_up: bool = True
    makeup_task: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=MeetingStatus.SCHEDULED.value, max_length=16)
    # The study-day occurrence this is (first day of its month), and whether an admin moved it.
    rule_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("study_day_rule.id", ondelete="SET NULL")),
    )
    occurrence_month: date | None = Field(default=None, sa_column=Column(Date))
    moved: bool = False
    minutes: str | None = Field(default=None, sa_column=Column(Text))
    minutes_by: str | None = Field(default=None, max_length=64)
    minutes_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The meeting's check-in QR code (a temporary parametric code, scene "meeting:<id>").
    qr_ticket: str | None = Field(default=None, max_length=200)
    qr_url: str | None = Field(default=None, max_length=300)
    qr_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class MeetingAttendance(SQLModel, table=True):
    """One invitee of one meeting, and their check-in if they came."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_attendance_person"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # Invited by name (invite_mode "people", or added by an admin): kept when the unit changes.
    named: bool = False
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    check_in_via: str | None = Field(default=None, max_length=16)  # menu / keyword / qr / admin
    checked_in_by: str | None = Field(default=None, max_length=64)  # the admin who marked it
    invited_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class LeaveStatus(StrEnum):
    """A leave request is decided once, by an admin, or withdrawn when the member checks in."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the member came after all: checking in supersedes the leave

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {
            "pending": "待审批",
            "approved": "已准假",
            "rejected": "未准假",
            "withdrawn": "已签到，请假撤回",
        }[self.value]


class LeaveRequest(SQLModel, table=True):
    """请假: a member asks to miss a meeting, with a reason; an admin approves or rejects."""

    __tablename__ = "leave_request"
    __table_args__ = (Index("ix_leave_meeting_person", "meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    reason: str = Field(max_length=200)
    via: str = Field(default="wechat", max_length=16)  # wechat / admin
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=LeaveStatus.PENDING.value, max_length=16)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    decision_note: str | None = Field(default=None, max_length=200)


class MakeupSubmission(SQLModel, table=True):
    """补学: what a member who missed a meeting studied afterwards (a short text or a link)."""

    __tablename__ = "makeup_submission"
    __table_args__ = (Index("ix_makeup_meeting_person", "meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    content: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    via: str = Field(default="wechat", max_length=16)


class MeetingAttachment(SQLModel, table=True):
    """A file attached to a meeting's minutes (会议记录附件)."""

    __tablename__ = "meeting_attachment"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str | None = Field(default=None, max_length=64)
    uploaded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ConversationPrompt(SQLModel, table=True):
    """What the account asked a member to type next (a leave reason, a make-up text)."""

    __tablename__ = "conversation_prompt"

    openid: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=32)
    subject_id: int | None = None
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
