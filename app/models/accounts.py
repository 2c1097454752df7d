"""Console users and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


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
