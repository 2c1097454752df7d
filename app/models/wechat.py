"""Secrets WeChat hands out (access_token, jsapi_ticket), shared by every process, and leases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class WeChatCredential(SQLModel, table=True):
    """One cached credential, e.g. "access_token:{appid}", and when WeChat lets it expire."""

    __tablename__ = "wechat_credential"

    name: str = Field(primary_key=True, max_length=128)
    value: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class WeChatLease(SQLModel, table=True):
    """A cross-process lock on a database: held by `holder` until `until`, free when null."""

    __tablename__ = "wechat_lease"

    name: str = Field(primary_key=True, max_length=128)
    holder: str | None = Field(default=None, max_length=64)
    # A crashed holder cannot release: its lease simply runs out and the next process takes it.
    until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
