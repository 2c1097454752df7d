"""廉政谈话: talks with people in key posts, admin-only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class TalkCategory(StrEnum):
    """The key post an integrity talk is about."""

    FINANCE = "finance"
    PROJECTS = "projects"
    PROCUREMENT = "procurement"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return TALK_CATEGORY_LABELS[self]


TALK_CATEGORY_LABELS = {
    TalkCategory.FINANCE: "财务",
    TalkCategory.PROJECTS: "项目",
    TalkCategory.PROCUREMENT: "物资采购",
    TalkCategory.OTHER: "其他",
}


class IntegrityTalk(SQLModel, table=True):
    """A 廉政谈话 with someone in a key post: admin-only, and every view is audited."""

    __tablename__ = "integrity_talk"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    category: str = Field(max_length=16)  # a TalkCategory value
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    held_by: str = Field(max_length=100)  # who held the talk (names, as written)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
