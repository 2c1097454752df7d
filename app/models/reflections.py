"""微感悟：主题征集、撰写、编选入刊.

A topic (主题) is open for a period; members write reflections (感悟) on it from WeChat; editors
select some, edit their text (the author's original is kept as written), and insert the selected
ones into a newsletter issue's draft. When that issue is sent, each author is told once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class ReflectionTopic(SQLModel, table=True):
    """A topic members write on while it is open, e.g. 「我为企业'高质发展'做什么、怎么做」."""

    __tablename__ = "reflection_topic"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    guidance: str = Field(default="", sa_column=Column(Text, nullable=False))
    opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Who the announcement goes to: an AudienceKind within the unit and its sub-units.
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    audience: str = Field(max_length=32)
    announced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ReflectionStatus(StrEnum):
    """submitted → selected (选用) or set aside; a selected one may go into an issue."""

    SUBMITTED = "submitted"
    SELECTED = "selected"
    SET_ASIDE = "set_aside"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"submitted": "待编选", "selected": "已选用", "set_aside": "暂不选用"}[self.value]


class Reflection(SQLModel, table=True):
    """One member's reflection on a topic; `text` is what they wrote and is never changed."""

    __tablename__ = "reflection"
    __table_args__ = (Index("ix_reflection_topic", "topic_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("reflection_topic.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The editor's version for the newsletter; None while the original is used as written.
    edited_text: str | None = Field(default=None, sa_column=Column(Text))
    edited_by: str | None = Field(default=None, max_length=64)
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    status: str = Field(default=ReflectionStatus.SUBMITTED.value, max_length=16)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The issue it went into (set once, by a conditional update), and when its author was told.
    issue_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("newsletter_issue.id", ondelete="SET NULL"), index=True
        ),
    )
    inserted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    told_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    via: str = Field(default="chat", max_length=16)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )

    @property
    def final_text(self) -> str:
        """What goes into the newsletter: the edited text if there is one."""
        return self.edited_text if self.edited_text is not None else self.text
