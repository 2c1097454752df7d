"""Console users (admins only): list and create."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints

from app.api.deps import AdminOnly, Session, actor_of
from app.api.errors import ApiError, error_responses
from app.api.v1.common import INT32_MAX, check_unit
from app.models import AdminRole, AdminUser
from app.services.accounts import admins as admin_service
from app.services.accounts import management as admin_accounts

router = APIRouter(prefix="/admin-users", tags=["admin-users"])

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")
]


class AdminUserCreate(BaseModel):
    """A new console user; a secretary needs the unit they are responsible for."""

    username: Name
    display_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    password: str = Field(min_length=admin_service.MIN_PASSWORD_LENGTH, max_length=128)
    role: AdminRole
    org_unit_id: int | None = Field(default=None, ge=1, le=INT32_MAX)


class AdminUserPublic(BaseModel):
    """A console user, without anything secret."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    role_label: str
    org_unit_id: int | None
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


def _public(user: AdminUser) -> AdminUserPublic:
    assert user.id is not None
    role = AdminRole(user.role)
    return AdminUserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=role,
        role_label=role.label,
        org_unit_id=user.org_unit_id,
        is_active=user.is_active,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )


@router.get("", responses=error_responses(403))
async def list_users(session: Session, principal: AdminOnly) -> list[AdminUserPublic]:
    """Every console user."""
    return [_public(user) for user in await admin_accounts.list_users(session)]


@router.post("", status_code=201, responses=error_responses(403, 409))
async def create_user(
    data: AdminUserCreate, session: Session, principal: AdminOnly, request: Request
) -> AdminUserPublic:
    """Create a console user (audited)."""
    if data.role is AdminRole.SECRETARY and data.org_unit_id is None:
        message = "支部书记账号须指定负责的组织单位"
        details = [{"field": "body.org_unit_id", "message": message, "type": "unit_required"}]
        raise ApiError(422, message, details=details)
    if data.org_unit_id is not None:
        await check_unit(session, principal, data.org_unit_id, field="org_unit_id")
    if await admin_service.get_by_username(session, username=data.username) is not None:
        raise ApiError(409, "用户名已存在")
    user = await admin_service.create_user(
        session,
        username=data.username,
        display_name=data.display_name,
        password=data.password,
        role=data.role,
        org_unit_id=data.org_unit_id,
        actor=actor_of(request, principal),
    )
    return _public(user)
