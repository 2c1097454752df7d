"""Console users, their API tokens, and the audit trail of what they did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class AdminRole(StrEnum):
    """What a console user may do."""

    ADMIN = "admin"  # everything
    SECRETARY = "secretary"  # read and write within their own unit
    VIEWER = "viewer"  # read only

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"admin": "管理员", "secretary": "支部书记", "viewer": "只读"}[self.value]


class AdminUser(SQLModel, table=True):
    """Someone who signs in to the console (党群部门, a branch secretary, …)."""

    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    password_hash: str = Field(max_length=255)  # argon2id
    role: str = Field(default=AdminRole.VIEWER.value, max_length=16)  # an AdminRole value
    # A secretary's scope: this unit and everything below it.
    org_unit_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="SET NULL"))
    )
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Bumped on password change or deactivation: every older session cookie stops working.
    session_version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ApiToken(SQLModel, table=True):
    """A bearer token for automation; only its hash is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    admin_user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("admin_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex
    prefix: str = Field(max_length=12)  # shown in the console to tell tokens apart
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AuditLog(SQLModel, table=True):
    """Every admin write, sign-in and export: who, what, when, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
    actor_id: int | None = Field(default=None)
    actor_name: str = Field(max_length=64)
    action: str = Field(max_length=64)  # e.g. "person.update", "auth.login", "people.export"
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
