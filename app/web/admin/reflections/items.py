"""One reflection in the console: the author's original beside the editor's text (with the
differences marked), its photos, 选用 / 暂不选用, and the edit (the original never changes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models import ReflectionStatus
from app.services import attachments
from app.services.accounts.admins import Principal
from app.services.reflections import editing
from app.services.reflections import topics as topic_service
from app.services.reflections.editing import Entry
from app.services.reflections.writing import MAX_CHARS, OWNER_KIND, ReflectionRefused
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.media import attachment_response

router = APIRouter(prefix="/reflections")
_MISSING = "没有找到这篇感悟，或者作者不在您负责的组织范围内。"
DECISIONS = {
    "select": (ReflectionStatus.SELECTED, "已选用。"),
    "set-aside": (ReflectionStatus.SET_ASIDE, "已设为暂不选用。"),
    "reopen": (ReflectionStatus.SUBMITTED, "已改回待编选。"),
}


async def _entry(session: Session, me: Principal, reflection_id: int) -> Entry:
    """The reflection if its author is within the user's units (404 alike for missing)."""
    found = await editing.entry(session, reflection_id=reflection_id, unit_ids=me.unit_ids)
    if found is None:
        raise NotFound(_MISSING)
    return found


async def _page(
    request: Request,
    session: Session,
    found: Entry,
    *,
    error: str | None = None,
    draft: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    reflection = found.reflection
    assert reflection.id is not None
    photos = await attachments.of(session, owner_kind=OWNER_KIND, owner_ids=[reflection.id])
    edited = reflection.edited_text
    context = {
        "nav": "reflections",
        "entry": found,
        "reflection": reflection,
        "topic": await topic_service.get(session, topic_id=reflection.topic_id),
        "photos": photos[reflection.id],
        "differences": editing.differences(reflection.text, edited) if edited else [],
        "draft": draft if draft is not None else reflection.final_text,
        "error": error,
        "max_chars": MAX_CHARS,
    }
    return render(request, "admin/reflections/item.html", context, status_code)


@router.get("/{reflection_id:int}", response_class=HTMLResponse)
async def reflection_page(
    request: Request, reflection_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The reflection: original and edited text side by side, photos, actions."""
    return await _page(request, session, await _entry(session, me, reflection_id))


@router.get("/{reflection_id:int}/photos/{attachment_id:int}")
async def photo(
    reflection_id: int, attachment_id: int, session: Session, me: ConsoleUser
) -> Response:
    """One of its photos (after the scope check)."""
    await _entry(session, me, reflection_id)
    found = await attachments.get(
        session, attachment_id=attachment_id, owner_kind=OWNER_KIND, owner_id=reflection_id
    )
    return attachment_response(found)


@router.post("/{reflection_id:int}/decide", response_class=HTMLResponse)
async def decide(
    request: Request,
    reflection_id: int,
    session: Session,
    me: ConsoleWriter,
    decision: Annotated[str, Form()] = "",
) -> Response:
    """选用, 暂不选用, or back to 待编选 (not once it is in an issue)."""
    found = await _entry(session, me, reflection_id)
    if decision not in DECISIONS:
        return await _page(request, session, found, error="请选择操作。", status_code=400)
    status, done = DECISIONS[decision]
    try:
        await editing.decide(
            session, reflection=found.reflection, status=status, actor=actor(request, me),
            now=now(request),
        )  # fmt: skip
    except ReflectionRefused as refused:
        return await _page(request, session, found, error=str(refused), status_code=409)
    flash(request, done)
    return redirect(f"/admin/reflections/{reflection_id}")


@router.post("/{reflection_id:int}/edit", response_class=HTMLResponse)
async def edit(
    request: Request,
    reflection_id: int,
    session: Session,
    me: ConsoleWriter,
    text: Annotated[str, Form()] = "",
) -> Response:
    """The editor's text for the newsletter; the author's original is kept as written."""
    found = await _entry(session, me, reflection_id)
    try:
        await editing.edit(
            session, reflection=found.reflection, text=text, actor=actor(request, me),
            now=now(request),
        )  # fmt: skip
    except ReflectionRefused as refused:
        status = 409 if found.reflection.issue_id is not None else 400
        return await _page(
            request, session, found, error=str(refused), draft=text, status_code=status
        )
    flash(request, "已保存编辑稿，作者原文保留不变。")
    return redirect(f"/admin/reflections/{reflection_id}")
