"""Who is at the console and what they may do: sign-in, roles, unit scope, CSRF."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import actor_of, optional_principal
from app.models import Person
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.people import roster as people_service
from app.web.admin.pages import CsrfRejected, Forbidden, LoginRequired, NotFound
from app.web.security import CsrfError, check_csrf


async def csrf_protect(request: Request) -> None:
    """Every POST to the console carries the session's CSRF token, or gets the 403 page."""
    try:
        await check_csrf(request)
    except CsrfError as exc:
        raise CsrfRejected(
            "表单的安全校验没有通过（页面可能停留太久）。请返回上一页，刷新后重新提交。"
        ) from exc


async def console_user(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """The signed-in console user; otherwise off to the sign-in page, and back afterwards."""
    if principal is None:
        target = request.url.path if request.method == "GET" else "/admin/"
        if request.method == "GET" and request.url.query:
            target = f"{target}?{request.url.query}"
        raise LoginRequired(target)
    request.state.console_user = principal
    return principal


ConsoleUser = Annotated[Principal, Depends(console_user)]


async def console_writer(principal: ConsoleUser) -> Principal:
    """A user who may change things (admin, secretary); viewers get the 403 page."""
    if not principal.can_write:
        raise Forbidden("只读账号只能查看，不能修改数据。如需修改，请联系管理员。")
    return principal


async def console_admin(principal: ConsoleUser) -> Principal:
    """An admin; everyone else gets the 403 page."""
    if not principal.is_admin:
        raise Forbidden("只有管理员可以使用此页面。")
    return principal


ConsoleWriter = Annotated[Principal, Depends(console_writer)]
ConsoleAdmin = Annotated[Principal, Depends(console_admin)]


async def person_in_scope(session: AsyncSession, principal: Principal, person_id: int) -> Person:
    """The person if the user may see them; 404 alike for missing and out of scope."""
    person = await people_service.get(session, person_id=person_id)
    if person is None or not principal.sees_unit(person.org_unit_id):
        raise NotFound("没有找到这个人员，或者他不在您负责的组织范围内。")
    return person


def actor(request: Request, principal: Principal) -> audit.Actor:
    """The user as the actor of audit entries (with IP and request id)."""
    return actor_of(request, principal)


def now(request: Request) -> datetime:
    """The app's clock (tests move it)."""
    moment: datetime = request.app.state.clock()
    return moment


async def kick_senders(request: Request) -> None:
    """Start the in-process sender (run after the response, so the notice is committed)."""
    request.app.state.broadcasts.kick()


async def kick_imports(request: Request) -> None:
    """Start the in-process import worker (run after the response, so the job is committed)."""
    request.app.state.imports.kick()
