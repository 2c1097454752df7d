"""The record of everything members send us: each inbound message or event, and our answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class InboundStatus(StrEnum):
    """How an inbound message was answered."""

    REPLIED = "replied"  # answered inside the deadline
    DEFERRED = "deferred"  # a holding reply went out; the handler is still working
    DONE = "done"  # a deferred handler finished; its result is in late_reply
    FAILED = "failed"  # the handler raised; the member got an apology


class InboundMessage(SQLModel, table=True):
    """One message or event pushed by WeChat, stored with its answer before the answer is sent."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_openid_received_at", "openid", "received_at"),
        Index("ix_inbound_message_received_at", "received_at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    # WeChat retries and occasionally re-sends: this key makes each delivery count once.
    dedup_key: str = Field(max_length=255, unique=True)
    account: str = Field(max_length=64)
    openid: str = Field(max_length=64)
    msg_type: str = Field(max_length=32)
    event: str | None = Field(default=None, max_length=64)
    event_key: str | None = Field(default=None, max_length=255)
    msg_id: str | None = Field(default=None, max_length=32)
    content: str | None = Field(default=None, sa_column=Column(Text))
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    encrypted: bool = False
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # An InboundStatus value; a plain string column so new states need no migration.
    status: str = Field(default=InboundStatus.REPLIED.value, max_length=16)
    # Which handling attempt wrote the row: a deferred handler recognises its own holding reply.
    attempt: str = Field(max_length=32)
    handler: str | None = Field(default=None, max_length=128)
    reply: str | None = Field(default=None, sa_column=Column(Text))
    # The exact bytes we answered with, so a retry gets the same answer byte for byte.
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    replied_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    late_reply: str | None = Field(default=None, sa_column=Column(Text))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, sa_column=Column(Text))
