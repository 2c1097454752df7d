"""廉洁承诺书: campaigns, the versions of their text, signatures and what each person was shown."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    """Where a pledge campaign stands."""

    DRAFT = "draft"  # being written; nobody has been asked
    OPEN = "open"  # published: the prompt went out, signatures are taken until the deadline
    CLOSED = "closed"  # the deadline passed (the secretary got the list)
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return CAMPAIGN_STATUS_LABELS[self]


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: "草稿",
    CampaignStatus.OPEN: "签署中",
    CampaignStatus.CLOSED: "已截止",
    CampaignStatus.CANCELLED: "已取消",
}


class SignatureChannel(StrEnum):
    """How a signature was given, and how we knew who gave it."""

    PAGE_OAUTH = "page_oauth"  # the /m/ page, the member identified by WeChat OAuth
    PAGE_LINK = "page_link"  # the /m/ page, identified by the signed per-person link
    CHAT = "chat"  # replied 我承诺 in the chat

    @property
    def label(self) -> str:
        """The Chinese name."""
        return SIGNATURE_CHANNEL_LABELS[self]


SIGNATURE_CHANNEL_LABELS = {
    SignatureChannel.PAGE_OAUTH: "网页（微信登录）",
    SignatureChannel.PAGE_LINK: "网页（专属链接）",
    SignatureChannel.CHAT: "公众号回复",
}


class PledgeCampaign(SQLModel, table=True):
    """One round of signing (the 2026 廉洁承诺书): audience, deadline and reminder rules."""

    __tablename__ = "pledge_campaign"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    year: int
    org_unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), nullable=False)
    )
    audience: str = Field(max_length=32)  # an AudienceKind value
    person_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    remind_every_days: int = 3
    remind_max: int = 3  # reminders to one person, at most
    status: str = Field(default=CampaignStatus.DRAFT.value, max_length=16)
    current_version: int = 0  # PledgeVersion.number of the text being signed; 0 = no text yet
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class PledgeVersion(SQLModel, table=True):
    """The pledge text as it stood at one edit: a signature names the version it signed."""

    __tablename__ = "pledge_version"
    __table_args__ = (UniqueConstraint("campaign_id", "number", name="uq_pledge_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("pledge_campaign.id", ondelete="CASCADE"), nullable=False
        )
    )
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)  # of the UTF-8 text, as signed
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class PledgeSignature(SQLModel, table=True):
    """One person's signature of a campaign: who, which text (and its hash), when, how."""

    __tablename__ = "pledge_signature"
    __table_args__ = (
        # One standing signature per person per campaign; a voided one makes room for a new one.
        Index(
            "uq_pledge_signature_standing",
            "campaign_id",
            "person_id",
            unique=True,
            postgresql_where=text("voided_at IS NULL"),
            sqlite_where=text("voided_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("pledge_campaign.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    version_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("pledge_version.id", ondelete="RESTRICT"), nullable=False
        )
    )
    version_number: int
    text_sha256: str = Field(max_length=64)
    channel: str = Field(max_length=16)  # a SignatureChannel value
    signed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    voided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    voided_by: str | None = Field(default=None, max_length=64)
    void_reason: str | None = Field(default=None, max_length=200)


class PledgeReceipt(SQLModel, table=True):
    """The latest pledge version a person was shown (page or chat): 我承诺 in the chat signs it."""

    __tablename__ = "pledge_receipt"

    campaign_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("pledge_campaign.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    version_number: int
    via: str = Field(max_length=16)  # page / chat
    shown_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
