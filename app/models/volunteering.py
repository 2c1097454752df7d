"""志愿服务：队伍、活动报名与候补、签到、服务时长、证书."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class ActivityStatus(StrEnum):
    """Where a volunteer activity stands."""

    DRAFT = "draft"  # being prepared; members do not see it
    OPEN = "open"  # published: members sign up until the deadline
    FINISHED = "finished"  # over: hours are approved
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return ACTIVITY_STATUS_LABELS[self]


ACTIVITY_STATUS_LABELS = {
    ActivityStatus.DRAFT: "草稿",
    ActivityStatus.OPEN: "报名中",
    ActivityStatus.FINISHED: "已结束",
    ActivityStatus.CANCELLED: "已取消",
}


class SignupStatus(StrEnum):
    """A member's standing for one activity."""

    SIGNED = "signed"  # has a place
    WAITING = "waiting"  # on the waiting list, moved up when a place frees
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return SIGNUP_STATUS_LABELS[self]


SIGNUP_STATUS_LABELS = {
    SignupStatus.SIGNED: "已报名",
    SignupStatus.WAITING: "候补",
    SignupStatus.CANCELLED: "已取消",
}


class VolunteerTeam(SQLModel, table=True):
    """A volunteer team of the branch: its unit (for scope), its leader, its members."""

    __tablename__ = "volunteer_team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    leader_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class VolunteerMember(SQLModel, table=True):
    """One person on a team (Party members, League members and others alike)."""

    __tablename__ = "volunteer_member"

    team_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("volunteer_team.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    added_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class VolunteerActivity(SQLModel, table=True):
    """One activity of a team: when and where, how many places, its check-in code."""

    __tablename__ = "volunteer_activity"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("volunteer_team.id", ondelete="RESTRICT"), nullable=False
        )
    )
    title: str = Field(max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    place: str = Field(default="", max_length=100)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    signup_deadline: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    capacity: int
    # Places taken: moved only by conditional UPDATEs, so two last-place sign-ups get one.
    taken: int = 0
    status: str = Field(default=ActivityStatus.DRAFT.value, max_length=16)
    qr_ticket: str | None = Field(default=None, max_length=200)
    qr_url: str | None = Field(default=None, max_length=300)
    qr_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class VolunteerSignup(SQLModel, table=True):
    """A member's sign-up: place or waiting list, check-in, and the approved hours."""

    __tablename__ = "volunteer_signup"
    __table_args__ = (
        # One standing sign-up per person per activity; a cancelled one makes room for a new one.
        Index(
            "uq_volunteer_signup_standing",
            "activity_id",
            "person_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("volunteer_activity.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(default=SignupStatus.WAITING.value, max_length=16)
    walk_in: bool = False  # came without a place (scanned the code on the day)
    signed_up_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    promoted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Hours in halves (3.5 h = 7): whole numbers add up exactly in the ledger.
    half_hours: int | None = None
    hours_reason: str | None = Field(default=None, max_length=200)
    approved_by: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
