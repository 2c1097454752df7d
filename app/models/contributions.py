"""岗位建功：技术攻关、工艺改进、降本增效."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class ContributionKind(StrEnum):
    """What kind of contribution at work it is."""

    TECHNICAL = "technical"
    PROCESS = "process"
    SAVINGS = "savings"
    SAFETY = "safety"
    SERVICE = "service"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return CONTRIBUTION_KIND_LABELS[self]


CONTRIBUTION_KIND_LABELS = {
    ContributionKind.TECHNICAL: "技术攻关",
    ContributionKind.PROCESS: "工艺改进",
    ContributionKind.SAVINGS: "降本增效",
    ContributionKind.SAFETY: "安全生产",
    ContributionKind.SERVICE: "服务保障",
    ContributionKind.OTHER: "其他",
}


class ContributionStatus(StrEnum):
    """待核实 → 已核实 / 未通过."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return CONTRIBUTION_STATUS_LABELS[self]


CONTRIBUTION_STATUS_LABELS = {
    ContributionStatus.PENDING: "待核实",
    ContributionStatus.VERIFIED: "已核实",
    ContributionStatus.REJECTED: "未通过",
}


class Contribution(SQLModel, table=True):
    """One 岗位建功 of a person, with its evidence (attachments owned by "contribution")."""

    __tablename__ = "contribution"
    __table_args__ = (Index("ix_contribution_person_status_day", "person_id", "status", "done_on"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False)
    )
    # Who worked with them, as written ("李四、王五"): they are credited on their own record.
    co_contributors: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=16)  # a ContributionKind value
    title: str = Field(max_length=100)
    description: str = Field(sa_column=Column(Text, nullable=False))
    done_on: date = Field(sa_column=Column(Date, nullable=False))
    # A contribution over a period ends here (None: the one day `done_on`).
    ended_on: date | None = Field(default=None, sa_column=Column(Date))
    benefit: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))  # 元
    status: str = Field(default=ContributionStatus.PENDING.value, max_length=16)
    review_note: str | None = Field(default=None, sa_column=Column(Text))
    reviewed_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    recorded_by: str = Field(max_length=64)  # the member's name, or the console user's
    recorded_via: str = Field(max_length=16)  # "member" (their page) or "console"
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
