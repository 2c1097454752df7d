"""合理化建议「我为创业创效献一策」：收集、评审、采纳、实施、效益核定、金点子."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow

# Money is exact: ¥ with fen, up to a trillion yuan.
MONEY = Numeric(14, 2)


class SuggestionStatus(StrEnum):
    """Where a suggestion stands."""

    RECEIVED = "received"
    REVIEWING = "reviewing"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    MERGED = "merged"  # a duplicate, joined to an earlier suggestion
    IMPLEMENTING = "implementing"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"  # 效益核定
    GOLDEN = "golden"  # 评为金点子

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {
            "received": "收到",
            "reviewing": "评审中",
            "adopted": "采纳",
            "rejected": "不采纳",
            "merged": "已合并",
            "implementing": "实施中",
            "implemented": "已实施",
            "verified": "效益核定",
            "golden": "金点子",
        }[self.value]


class SuggestionCategory(StrEnum):
    """What a suggestion is about."""

    PRODUCTION = "production"
    TECHNOLOGY = "technology"
    SAFETY = "safety"
    ENERGY = "energy"
    MANAGEMENT = "management"
    PARTY = "party"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {
            "production": "生产经营",
            "technology": "技术工艺",
            "safety": "安全环保",
            "energy": "节能降耗",
            "management": "经营管理",
            "party": "党建工作",
            "other": "其他",
        }[self.value]


class SuggestionCampaign(SQLModel, table=True):
    """A campaign or competition (「我为创业创效献一策」2026) in which 金点子 are awarded."""

    __tablename__ = "suggestion_campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    starts_on: date | None = Field(default=None, sa_column=Column(Date))
    ends_on: date | None = Field(default=None, sa_column=Column(Date))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Suggestion(SQLModel, table=True):
    """One 合理化建议: its text, who made it, and the dates of each stage (for the figures)."""

    __tablename__ = "suggestion"
    # The figures count by these dates over a period: each is a range scan on its own index.
    __table_args__ = (
        Index("ix_suggestion_submitted_at", "submitted_at"),
        Index("ix_suggestion_adopted_at", "adopted_at"),
        Index("ix_suggestion_implemented_at", "implemented_at"),
        Index("ix_suggestion_verified_at", "verified_at"),
        Index("ix_suggestion_awarded_at", "awarded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=20, unique=True)  # 2026-0051
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    content: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(default=SuggestionCategory.OTHER.value, max_length=16)
    # The department the suggestion concerns (not necessarily the submitter's).
    concerns_unit_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="SET NULL"), index=True),
    )
    status: str = Field(default=SuggestionStatus.RECEIVED.value, max_length=16, index=True)
    via: str = Field(default="chat", max_length=16)  # chat / page / console
    submitted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    adopted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    implemented_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    awarded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    reject_reason: str | None = Field(default=None, sa_column=Column(Text))
    merged_into_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("suggestion.id", ondelete="SET NULL")),
    )
    # The estimate (at adoption) and the verified figure are kept apart: only the latter counts
    # as 经济效益 in the report.
    estimated_benefit: Decimal | None = Field(default=None, sa_column=Column(MONEY))
    verified_benefit: Decimal | None = Field(default=None, sa_column=Column(MONEY))
    benefit_basis: str | None = Field(default=None, sa_column=Column(Text))
    verified_by: str | None = Field(default=None, max_length=64)
    campaign_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("suggestion_campaign.id", ondelete="SET NULL"), index=True
        ),
    )
    award: str | None = Field(default=None, max_length=40)  # 一等奖


class SuggestionCoauthor(SQLModel, table=True):
    """Someone on the roster who made the suggestion together with its submitter."""

    __tablename__ = "suggestion_coauthor"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "person_id", name="uq_suggestion_coauthor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("suggestion.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class SuggestionReviewer(SQLModel, table=True):
    """A console user the secretary asked to review the suggestion."""

    __tablename__ = "suggestion_reviewer"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "admin_user_id", name="uq_suggestion_reviewer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("suggestion.id", ondelete="CASCADE"), nullable=False)
    )
    admin_user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("admin_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    assigned_by: str | None = Field(default=None, max_length=64)
    assigned_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class SuggestionEvent(SQLModel, table=True):
    """One dated decision on a suggestion and who made it: the suggestion's timeline."""

    __tablename__ = "suggestion_event"

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("suggestion.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=16)  # received / review / adopt / reject / merge / …
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))
    amount: Decimal | None = Field(default=None, sa_column=Column(MONEY))
    actor_id: int | None = None
    actor_name: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
