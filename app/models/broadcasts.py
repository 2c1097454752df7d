"""Broadcasts: one message to many people, one row per recipient, written before the first send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class BroadcastStatus(StrEnum):
    """Where a broadcast stands as a whole."""

    READY = "ready"  # recipients resolved and stored; nothing sent yet
    SENDING = "sending"
    PAUSED = "paused"  # a quota ran out, or quiet hours: resumes by itself (see PauseKind)
    DONE = "done"  # every recipient has a final outcome; none is in doubt awaiting a receipt
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return BROADCAST_STATUS_LABELS[self]


BROADCAST_STATUS_LABELS = {
    BroadcastStatus.READY: "待发送",
    BroadcastStatus.SENDING: "发送中",
    BroadcastStatus.PAUSED: "已暂停",
    BroadcastStatus.DONE: "已完成",
    BroadcastStatus.CANCELLED: "已取消",
}


class RecipientStatus(StrEnum):
    """One person's outcome; only `pending` rows are ever claimed for sending."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender, request under way
    SENT = "sent"  # WeChat accepted it (msgid recorded)
    FAILED = "failed"  # WeChat refused it (errcode recorded) or retries ran out
    UNREACHABLE = "unreachable"  # no channel reaches this person (reason recorded)
    UNKNOWN = "unknown"  # the request may have reached WeChat, the answer was lost
    CANCELLED = "cancelled"
    # Over the month's push budget: not sent alone, carried by the next weekly digest.
    MERGED = "merged"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return RECIPIENT_STATUS_LABELS[self]


RECIPIENT_STATUS_LABELS = {
    RecipientStatus.PENDING: "待发送",
    RecipientStatus.SENDING: "发送中",
    RecipientStatus.SENT: "已发送",
    RecipientStatus.FAILED: "失败",
    RecipientStatus.UNREACHABLE: "无法送达",
    RecipientStatus.UNKNOWN: "结果待确认",
    RecipientStatus.CANCELLED: "已取消",
    RecipientStatus.MERGED: "已并入每周汇总",
}


class PauseKind(StrEnum):
    """Why a broadcast waits: decides how the sender re-checks the pause."""

    QUOTA = "quota"  # WeChat's daily quota: until paused_until (00:00 China time)
    QUIET = "quiet"  # quiet hours: until they no longer apply under the current settings
    RECEIPTS = "receipts"  # rows in doubt: until WeChat's receipt grace runs out


class Channel(StrEnum):
    """How a message reaches one person's phone."""

    MASS = "mass"  # 群发 (mass/send to an openid list, or sendall to a tag)
    TEMPLATE = "template"  # 模板消息 (certified service accounts)
    SUBSCRIBE = "subscribe"  # 订阅通知 (needs the member's one-time grant)
    CUSTOM = "custom"  # 客服消息 (inside the 48-hour window only)

    @property
    def label(self) -> str:
        """The Chinese name."""
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.MASS: "群发图文",
    Channel.TEMPLATE: "模板消息",
    Channel.SUBSCRIBE: "订阅通知",
    Channel.CUSTOM: "客服消息",
}


class Broadcast(SQLModel, table=True):
    """One message to many people: a newsletter issue, a reminder, a pledge prompt, …."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    # What obligation this broadcast fulfils ("newsletter:12", "reminder:meeting:5:day_before"):
    # unique, so a second scheduler or a double click can never start the same one twice.
    key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=32)  # newsletter / reminder / pledge / notice
    subject_type: str | None = Field(default=None, max_length=32)
    subject_id: int | None = Field(default=None)
    title: str = Field(max_length=200)
    # What to send, channel by channel (text, title, description, url, template data, media_id).
    message: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    # The channels this broadcast may use, best first.
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default=BroadcastStatus.READY.value, max_length=16)
    total: int = 0
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # Not sent before this moment (a scheduled newsletter, quiet hours).
    not_before: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    paused_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    pause_reason: str | None = Field(default=None, max_length=200)
    pause_kind: str | None = Field(default=None, max_length=16)  # a PauseKind value
    # An admin's 立即发送（忽略免打扰）: this broadcast goes out in quiet hours too.
    ignore_quiet: bool = Field(default=False)
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    cancelled_by: str | None = Field(default=None, max_length=64)
    # Urgent (a meeting changed or called off within 24 h): never merged by the push budget,
    # though still counted in the member's month.
    urgent: bool = Field(default=False)


class BroadcastBatch(SQLModel, table=True):
    """One mass-send request covering many recipients, with its own clientmsgid."""

    __tablename__ = "broadcast_batch"

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("broadcast.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # WeChat de-duplicates mass sends by clientmsgid for 24 h: a resent batch cannot go twice.
    clientmsgid: str = Field(max_length=64, unique=True)
    status: str = Field(default=RecipientStatus.PENDING.value, max_length=16)
    size: int = 0
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    msg_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    msg_data_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    errcode: int | None = None
    error: str | None = Field(default=None, max_length=255)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # MASSSENDJOBFINISH: WeChat's own count of who got it.
    job_status: str | None = Field(default=None, max_length=64)
    total_count: int | None = None
    filter_count: int | None = None
    sent_count: int | None = None
    error_count: int | None = None


class BroadcastRecipient(SQLModel, table=True):
    """One person of a broadcast: the channel chosen, the outcome, and when they opened it."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "person_id", name="uq_broadcast_recipient_person"),
        Index("ix_broadcast_recipient_claim", "broadcast_id", "status", "next_attempt_at"),
        Index("ix_broadcast_recipient_openid", "openid", "status"),
        Index("ix_broadcast_recipient_person", "person_id", "status"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    broadcast_id: int = Field(
        sa_column=Column(Integer, ForeignKey("broadcast.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    openid: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=16)  # a Channel value
    status: str = Field(default=RecipientStatus.PENDING.value, max_length=16)
    # Why the person cannot be reached, or what WeChat said (in Chinese, for the secretary).
    reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    batch_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("broadcast_batch.id", ondelete="SET NULL")),
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    msgid: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    errcode: int | None = None
    # Since when the outcome is in doubt (a lost answer, a killed sender).
    in_doubt_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # WeChat's receipt (TEMPLATESENDJOBFINISH and friends): "success", "failed:user block", ….
    receipt: str | None = Field(default=None, max_length=64)
    receipt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # A merged row: the weekly digest that carried it (set once, by the digest that took it).
    digest_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("broadcast.id", ondelete="SET NULL")),
    )


class BroadcastWorker(SQLModel, table=True):
    """A sender process: rows it claimed are in doubt once it is known to be dead."""

    __tablename__ = "broadcast_worker"

    id: str = Field(max_length=64, primary_key=True)
    hostname: str = Field(max_length=128)
    pid: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    heartbeat_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    note: str | None = Field(default=None, sa_column=Column(Text))
