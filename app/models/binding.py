"""Binding: followers of the account, and the one-time codes that tie a follower to a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class BindingCode(SQLModel, table=True):
    """A one-time code an admin gives a person; only its hash is stored."""

    __tablename__ = "binding_code"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    code_hash: str = Field(max_length=64, unique=True)  # HMAC-SHA256 of the code
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    used_by_openid: str | None = Field(default=None, max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class BindingAttempt(SQLModel, table=True):
    """A failed binding attempt by a follower, for rate-limiting guesses."""

    __tablename__ = "binding_attempt"
    __table_args__ = (Index("ix_binding_attempt_openid_at", "openid", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Follower(SQLModel, table=True):
    """Whether an openid follows the account, and since when."""

    __tablename__ = "follower"

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(max_length=64, unique=True)
    subscribed: bool = True
    subscribed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    unsubscribed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The qrscene_ key of the QR code the follower scanned to subscribe, if any.
    subscribe_scene: str | None = Field(default=None, max_length=128)
    subscribe_count: int = 0
    # The person this WeChat belongs to: one follower per person, one person per follower.
    person_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="SET NULL"), unique=True),
    )
    bound_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
