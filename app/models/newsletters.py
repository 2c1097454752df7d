"""Newsletters: the series (《神特组宣》, 《神特清风》), their issues, and who opened which."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class NewsletterSeries(SQLModel, table=True):
    """A newsletter title; the menu button with `menu_key` answers with its latest issues."""

    __tablename__ = "newsletter_series"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=50, unique=True)
    description: str | None = Field(default=None, max_length=200)
    menu_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class IssueStatus(StrEnum):
    """draft → scheduled → sending → sent (or cancelled)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return ISSUE_STATUS_LABELS[self]


ISSUE_STATUS_LABELS = {
    IssueStatus.DRAFT: "草稿",
    IssueStatus.SCHEDULED: "已定时",
    IssueStatus.SENDING: "发送中",
    IssueStatus.SENT: "已发送",
    IssueStatus.CANCELLED: "已取消",
}


class NewsletterIssue(SQLModel, table=True):
    """One issue of a series: written in the console (Markdown), then published and pushed."""

    __tablename__ = "newsletter_issue"
    __table_args__ = (UniqueConstraint("series_id", "number", name="uq_newsletter_issue_number"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("newsletter_series.id", ondelete="RESTRICT"), nullable=False
        )
    )
    number: int
    title: str = Field(max_length=64)  # WeChat's article title limit
    author: str | None = Field(default=None, max_length=16)  # WeChat's author limit
    digest: str | None = Field(default=None, max_length=120)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))  # Markdown
    cover_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    cover_filename: str | None = Field(default=None, max_length=128)
    cover_media_id: str | None = Field(default=None, max_length=128)
    cover_url: str | None = Field(default=None, max_length=1024)
    draft_media_id: str | None = Field(default=None, max_length=128)
    publish_id: str | None = Field(default=None, max_length=64)
    # Where readers land: the WeChat article once published, else our own page.
    article_url: str | None = Field(default=None, max_length=1024)
    status: str = Field(default=IssueStatus.DRAFT.value, max_length=16)
    channel_mode: str = Field(default="auto", max_length=16)  # auto / mass / notify
    freepublish: bool = False
    scheduled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    broadcast_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("broadcast.id", ondelete="SET NULL"))
    )
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class NewsletterImage(SQLModel, table=True):
    """A photo inside an issue's body: `![说明](image:N)` in the Markdown shows image N.

    Stored here (served by us on the preview and the member page) and uploaded to WeChat with
    the article (media/uploadimg), whose URL the WeChat draft's content uses.
    """

    __tablename__ = "newsletter_image"
    __table_args__ = (UniqueConstraint("issue_id", "number", name="uq_newsletter_image_number"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("newsletter_issue.id", ondelete="CASCADE"), nullable=False
        )
    )
    number: int
    filename: str = Field(max_length=128)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    wechat_url: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class NewsletterRead(SQLModel, table=True):
    """Who opened which issue: first and last time, how often, and how we knew it was them."""

    __tablename__ = "newsletter_read"
    __table_args__ = (UniqueConstraint("issue_id", "person_id", name="uq_newsletter_read"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("newsletter_issue.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    first_opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    open_count: int = 1
    via: str = Field(max_length=16)  # "link" (signed per-person token) or "oauth"
