"""Console users (admins only): create with role and unit, deactivate, reset passwords."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import AdminRole, AdminUser
from app.services.accounts import admins as admin_service
from app.services.accounts import management as accounts
from app.services.people import org_units as org_unit_service
from app.web.admin.deps import ConsoleAdmin, actor, now
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import Forbidden, NotFound, flash, redirect, render

router = APIRouter(prefix="/users")

_ROLES = {role.value: role for role in AdminRole}


async def get_user(session: AsyncSession, user_id: int) -> AdminUser:
    """The console user, or the 404 page."""
    user = await admin_service.get(session, user_id=user_id)
    if user is None:
        raise NotFound("没有这个账号。")
    return user


async def _list_page(
    request: Request,
    session: AsyncSession,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "users",
        "users": await accounts.list_users(session),
        "units": await org_unit_service.path_names(session),
        "roles": list(AdminRole),
        "form": form or {"role": AdminRole.VIEWER.value},
        "errors": errors or {},
        "now": now(request),
    }
    return render(request, "admin/accounts/list.html", context, status_code)


@router.get("", response_class=HTMLResponse)
async def users(request: Request, session: Session, me: ConsoleAdmin) -> HTMLResponse:
    """Every console user, and the form for a new one."""
    return await _list_page(request, session)


@router.post("", response_class=HTMLResponse)
async def create_user(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """Add a console user; a secretary needs the unit they look after."""
    raw = await request.form()
    form = text_fields(raw, "username", "display_name", "role", "org_unit_id")
    password = raw.get("password")
    units = await org_unit_service.path_names(session)
    errors: dict[str, str] = {}
    if not form["username"]:
        errors["username"] = "必填"
    if not form["display_name"]:
        errors["display_name"] = "必填"
    role = _ROLES.get(form["role"])
    if role is None:
        errors["role"] = "请从列表中选择"
    unit_id = parse_int(form["org_unit_id"])
    if form["org_unit_id"] and unit_id not in units:
        errors["org_unit_id"] = "请从列表中选择"
    elif role is AdminRole.SECRETARY and unit_id is None:
        errors["org_unit_id"] = "支部书记账号需要选择负责的组织"
    if not isinstance(password, str) or len(password) < admin_service.MIN_PASSWORD_LENGTH:
        errors["password"] = f"密码至少 {admin_service.MIN_PASSWORD_LENGTH} 个字符"
    if not errors and role is not None and isinstance(password, str):
        try:
            user = await admin_service.create_user(
                session,
                username=form["username"],
                display_name=form["display_name"],
                password=password,
                role=role,
                org_unit_id=unit_id,
                actor=actor(request, me),
            )
        except ValueError as exc:
            errors["username"] = str(exc)
        else:
            flash(request, f"已创建账号 {user.username}({role.label})。")
            return redirect(f"/admin/users/{user.id}")
    return await _list_page(request, session, form=form, errors=errors, status_code=400)


async def user_page(
    request: Request,
    session: AsyncSession,
    user: AdminUser,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A user's page: role and scope, password reset, activation, API tokens."""
    assert user.id is not None
    units = await org_unit_service.path_names(session)
    context = {
        "nav": "users",
        "user": user,
        "role": AdminRole(user.role),
        "unit": units.get(user.org_unit_id) if user.org_unit_id else None,
        "tokens": await accounts.tokens_of(session, user_id=user.id),
        "errors": errors or {},
        "now": now(request),
    }
    return render(request, "admin/accounts/detail.html", context, status_code)


@router.get("/{user_id:int}", response_class=HTMLResponse)
async def user_detail(
    request: Request, user_id: int, session: Session, me: ConsoleAdmin
) -> HTMLResponse:
    """One console user."""
    return await user_page(request, session, await get_user(session, user_id))


@router.post("/{user_id:int}/active")
async def set_active(
    request: Request, user_id: int, session: Session, me: ConsoleAdmin
) -> Response:
    """停用 / 启用: deactivating ends every session of the user at once."""
    user = await get_user(session, user_id)
    active = (await request.form()).get("active") == "1"
    if not active:
        if user.id == me.id:
            raise Forbidden("不能停用自己正在使用的账号。")
        if user.role == AdminRole.ADMIN.value and await accounts.active_admins(session) <= 1:
            raise Forbidden("这是最后一个启用的管理员账号，不能停用。")
    await accounts.set_active(session, user=user, active=active, actor=actor(request, me))
    flash(request, f"已{'启用' if active else '停用'}账号 {user.username}。")
    return redirect(f"/admin/users/{user_id}")


@router.post("/{user_id:int}/password", response_class=HTMLResponse)
async def reset_password(
    request: Request, user_id: int, session: Session, me: ConsoleAdmin
) -> Response:
    """Set a new password (the user is signed out everywhere; lock-out lifted)."""
    user = await get_user(session, user_id)
    password = (await request.form()).get("password")
    try:
        if not isinstance(password, str):
            raise ValueError(f"密码至少 {admin_service.MIN_PASSWORD_LENGTH} 个字符")
        await accounts.reset_password(
            session, user=user, password=password, actor=actor(request, me)
        )
    except ValueError as exc:
        return await user_page(
            request, session, user, errors={"password": str(exc)}, status_code=400
        )
    flash(request, f"已重置 {user.username} 的密码；该账号需要用新密码重新登录。")
    if user.id == me.id:
        return redirect("/admin/login")
    return redirect(f"/admin/users/{user_id}")
