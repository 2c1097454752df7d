"""Photos and documents attached to a record: a suggestion, a reflection, a contribution, …

One table for every feature: a row names its owner by kind and id. A photo a member sent in the
chat arrives as WeChat's temporary media id (kept by WeChat for 3 days) and is fetched into
`content` by the `attachments.fetch` job; an upload from a page is stored at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Attachment(SQLModel, table=True):
    """One photo or document of a record (its owner: a kind such as "suggestion", and an id)."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_owner", "owner_kind", "owner_id"),
        UniqueConstraint("owner_kind", "owner_id", "media_id", name="uq_attachment_media"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_kind: str = Field(max_length=40)
    owner_id: int
    filename: str | None = Field(default=None, max_length=200)
    content_type: str | None = Field(default=None, max_length=100)
    size: int = 0
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # A photo sent in the chat: WeChat's media id and link, until our copy is kept.
    media_id: str | None = Field(default=None, max_length=128)
    url: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    fetched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    attempts: int = 0
    # Why it could not be kept (WeChat no longer has it): no more attempts are made.
    failure: str | None = Field(default=None, max_length=200)
