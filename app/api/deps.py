"""Request dependencies: the unit of work and who is asking (console cookie or bearer token)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.types import utcnow
from app.services import audit
from app.services.accounts import admins as admin_service
from app.services.accounts.admins import Principal

SESSION_USER_KEY = "admin_user_id"
SESSION_VERSION_KEY = "admin_session_version"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the handler returns, rolled back on error."""
    async with request.app.state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response goes out, so a 201 means the write is stored.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _from_cookie(request: Request, session: AsyncSession) -> Principal | None:
    """The console user of the session cookie, if it is still valid."""
    if "session" not in request.scope:
        return None
    user_id = request.session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    user = await admin_service.get(session, user_id=user_id)
    if user is None or not user.is_active:
        return None
    if request.session.get(SESSION_VERSION_KEY) != user.session_version:
        return None  # signed out everywhere (password changed, user deactivated)
    return await admin_service.principal_for(session, user)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def optional_principal(request: Request, session: Session) -> Principal | None:
    """Who is asking: a bearer token (automation) or the console's session cookie.

    Under /api/ the cookie counts for reads only: a write through the API needs a bearer token,
    so no other page can make a signed-in admin's browser change data (the console's own
    forms carry CSRF tokens instead).
    """
    token = _bearer(request)
    if token is not None:
        user = await admin_service.user_for_token(session, token=token, now=utcnow())
        return await admin_service.principal_for(session, user) if user else None
    if request.url.path.startswith("/api/") and request.method not in _SAFE_METHODS:
        return None
    return await _from_cookie(request, session)


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """Require credentials: 401 without them."""
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "需要登录或有效的 API 令牌",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def writer(principal: CurrentPrincipal) -> Principal:
    """Require a role that may change things (admin, secretary): 403 for viewers."""
    if not principal.can_write:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "只读账号不能修改数据")
    return principal


async def admin_only(principal: CurrentPrincipal) -> Principal:
    """Require the admin role: 403 for everyone else."""
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "只有管理员可以执行此操作")
    return principal


Writer = Annotated[Principal, Depends(writer)]
AdminOnly = Annotated[Principal, Depends(admin_only)]


def actor_of(request: Request, principal: Principal) -> audit.Actor:
    """The principal as the actor of audit entries, with the request's IP and id."""
    client = request.client.host if request.client else None
    return principal.actor(ip=client, request_id=getattr(request.state, "request_id", None))
