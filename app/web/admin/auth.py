"""Sign-in and sign-out of the console (argon2 passwords, lock-out, a fresh session each time)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import SESSION_USER_KEY, SESSION_VERSION_KEY, Session, optional_principal
from app.services import audit
from app.services.accounts import admins as admin_service
from app.services.accounts.admins import LoginOutcome, Principal
from app.web.admin.deps import actor, now
from app.web.admin.forms import text_fields
from app.web.admin.pages import flash, redirect, render, safe_next

router = APIRouter()

BAD_CREDENTIALS = "用户名或密码错误"
LOCKED = "账号已临时锁定，请 15 分钟后再试"


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str | None = None
) -> HTMLResponse:
    context = {"next_url": next_url, "username": username, "error": error}
    return render(request, "admin/login.html", context, 401 if error else 200)


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    next: str | None = None,
) -> Response:
    """The sign-in form (already signed in: straight on)."""
    target = safe_next(next)
    if principal is not None:
        return redirect(target)
    return _login_page(request, next_url=target)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, session: Session) -> Response:
    """Check the password; on success start a brand-new session (no session fixation)."""
    form = text_fields(await request.form(), "username", "next")
    password = (await request.form()).get("password")
    target = safe_next(form["next"])
    username = form["username"]
    if not username or not isinstance(password, str) or not password:
        return _login_page(request, next_url=target, username=username, error=BAD_CREDENTIALS)
    client = request.client.host if request.client else None
    who = audit.Actor(
        id=None,
        name=username[:64],
        ip=client,
        request_id=getattr(request.state, "request_id", None),
    )
    attempt = await admin_service.begin_login(session, username=username, now=now(request))
    # The attempt is counted before the password is checked, and the count is committed
    # first: parallel guesses each see it, and no connection is held during the slow check.
    await session.commit()
    matched, new_hash = await admin_service.check_password(
        attempt, password, limiter=request.app.state.password_checks
    )
    outcome, user = await admin_service.finish_login(
        session, attempt=attempt, matched=matched, new_hash=new_hash, now=now(request), actor=who
    )
    if outcome is LoginOutcome.LOCKED:
        return _login_page(request, next_url=target, username=username, error=LOCKED)
    if outcome is not LoginOutcome.OK or user is None:
        return _login_page(request, next_url=target, username=username, error=BAD_CREDENTIALS)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_VERSION_KEY] = user.session_version
    flash(request, f"欢迎，{user.display_name}。")
    return redirect(target)


@router.post("/logout")
async def logout(
    request: Request,
    session: Session,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    """Sign out: the session is emptied and revoked server-side (audited)."""
    if principal is not None:
        # A copy of the cookie must not outlive 退出: every session of the user ends (the
        # cookie only carries a version number, so one session cannot be told from another).
        await admin_service.end_sessions(session, user_id=principal.id)
        await audit.record(
            session,
            actor=actor(request, principal),
            action="auth.logout",
            target_type="admin_user",
            target_id=principal.id,
        )
    request.session.clear()
    flash(request, "已退出登录。", "info")
    return redirect("/admin/login")
