"""A WeChat follower of the account, known by openid, bound to a person later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


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
