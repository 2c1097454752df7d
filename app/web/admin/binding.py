"""Binding a person's WeChat: one-time codes (shown once), revoking them, and unbinding."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.services.binding import codes as binding_service
from app.web.admin.deps import ConsoleWriter, actor, now, person_in_scope
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/people/{person_id:int}")


@router.post("/binding-codes", response_class=HTMLResponse)
async def issue_code(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> HTMLResponse:
    """生成绑定码: the code is on this page only; it is never shown again."""
    person = await person_in_scope(session, me, person_id)
    code, record = await binding_service.issue_code(
        session, person=person, actor=actor(request, me), now=now(request)
    )
    context = {"nav": "people", "person": person, "code": code, "record": record}
    return render(request, "admin/people/code.html", context)


@router.post("/binding-codes/{code_id:int}/revoke")
async def revoke_code(
    request: Request, person_id: int, code_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Make an unused code unusable."""
    person = await person_in_scope(session, me, person_id)
    codes = await binding_service.active_codes(session, person_id=person_id, now=now(request))
    if code_id not in {code.id for code in codes}:
        raise NotFound("这个绑定码不存在，或已经失效。")
    await binding_service.revoke_code(
        session, code_id=code_id, actor=actor(request, me), now=now(request)
    )
    flash(request, f"已作废 {person.name} 的绑定码 #{code_id}。")
    return redirect(f"/admin/people/{person_id}#binding")


@router.post("/unbind")
async def unbind(request: Request, person_id: int, session: Session, me: ConsoleWriter) -> Response:
    """解除绑定: the person's WeChat no longer acts as them (e.g. a new phone)."""
    person = await person_in_scope(session, me, person_id)
    done = await binding_service.unbind(
        session, person=person, actor=actor(request, me), now=now(request)
    )
    if done:
        flash(request, f"已解除 {person.name} 的微信绑定。")
    else:
        flash(request, f"{person.name} 没有绑定微信，无需解除。", "info")
    return redirect(f"/admin/people/{person_id}#binding")
