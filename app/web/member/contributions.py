"""岗位建功 member pages: record one with its evidence, and see one's own with their status.

Opened from the chat's 「岗位建功」 reply: WeChat's OAuth names the reader where the account has
it, otherwise the signed link (`?t=`) does. Only a bound member gets the pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import Person
from app.models.types import CHINA
from app.services import attachments, audit
from app.services.attachments import AttachmentRefused
from app.services.binding import codes as binding
from app.services.contributions import forms, links, listing, records
from app.services.contributions.records import ContributionInvalid
from app.services.member_links import LinkProblem
from app.web.media import attachment_response
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
AGAIN = "请在公众号对话框中回复「岗位建功」，重新打开链接。"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    """A member page with just a title and a sentence."""
    return page(request, "message.html", status, title=title, text=text)


async def _member(request: Request, session: AsyncSession, token: str) -> Reader | Response:
    """The bound member the page is for; a bad link or an unknown reader gets its own page."""
    reader = await reader_of(
        request, session, page_name=links.PAGE, subject_id=links.SUBJECT, token=token
    )
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", f"这个链接不完整或已失效。{AGAIN}")
    if reader is LinkProblem.EXPIRED:
        return _message(request, 400, "链接已过期", f"这个链接已过期。{AGAIN}")
    assert isinstance(reader, Reader)
    if reader.person is None and not reader.unbound:
        return _message(request, 403, "无法确认您的身份", AGAIN)
    # A link outlives its chat: whoever has unbound since is no longer the member it named.
    if (
        reader.unbound
        or reader.person is None
        or (
            reader.token
            and await binding.follower_of(session, person_id=reader.person.id or 0) is None
        )
    ):
        return _message(request, 403, "请先绑定身份", "您还没有绑定身份，绑定后才能登记岗位建功。")
    return reader


def _form_page(
    request: Request,
    reader: Reader,
    *,
    shown: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The record form, with what was typed and the errors by field."""
    context: dict[str, Any] = {
        "reader": reader,
        "form": shown or {"kind": "technical"},
        "errors": errors or {},
        "kinds": records.kinds(),
        "title_max": records.TITLE_MAX,
        "description_max": records.DESCRIPTION_MAX,
        "co_max": records.CO_MAX,
        "max_files": records.MAX_FILES,
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "today": request.app.state.clock().astimezone(CHINA).date().isoformat(),
        "mine": links.with_token(links.MINE_PATH, reader.token),
    }
    return page(request, "contributions/new.html", status, **context)


@router.get("/contributions/new")
async def new_page(request: Request, session: Session, t: str = "") -> Response:
    """The form: what was done, when, the benefit, and photos or documents as evidence."""
    if (sign_in := oauth_first(request, links.NEW_PATH, token=t)) is not None:
        return sign_in
    reader = await _member(request, session, t)
    return reader if isinstance(reader, Response) else _form_page(request, reader)


@router.post("/contributions/new")
async def record(request: Request, session: Session) -> Response:
    """Store it, waiting for the branch to verify it; errors shown next to their fields."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    form = await request.form()
    token = form.get("t")
    reader = await _member(request, session, token if isinstance(token, str) else "")
    if isinstance(reader, Response):
        return reader
    person: Person | None = reader.person
    assert person is not None and person.id is not None
    shown = {name: str(form.get(name) or "").strip() for name in forms.FIELDS}
    draft, errors = forms.draft_of(shown, person_id=person.id)
    try:
        uploads = await forms.uploads_of(form.getlist("files"))
        if errors:
            raise ContributionInvalid(errors)
        await records.record(
            session,
            person=person,
            draft=draft,
            uploads=uploads,
            via="member",
            actor=audit.Actor(id=None, name=person.name),
            now=request.app.state.clock(),
        )
    except ContributionInvalid as invalid:
        return _form_page(
            request, reader, shown=shown, errors={**invalid.errors, **errors}, status=400
        )
    except AttachmentRefused as refused:
        return _form_page(request, reader, shown=shown, errors={"files": str(refused)}, status=400)
    mine = links.with_token(links.MINE_PATH, reader.token)
    return RedirectResponse(mine + ("&" if "?" in mine else "?") + "saved=1", 303)


@router.get("/contributions")
async def mine_page(request: Request, session: Session, t: str = "", saved: str = "") -> Response:
    """The member's own contributions and where each stands (待核实 / 已核实 / 未通过)."""
    if (sign_in := oauth_first(request, links.MINE_PATH, token=t)) is not None:
        return sign_in
    reader = await _member(request, session, t)
    if isinstance(reader, Response):
        return reader
    assert reader.person is not None and reader.person.id is not None
    found = await listing.of_person(session, person_id=reader.person.id)
    ids = [c.id for c in found if c.id is not None]
    evidence = await attachments.of(session, owner_kind=records.OWNER, owner_ids=ids)
    return page(
        request,
        "contributions/mine.html",
        contributions=found,
        evidence=evidence,
        reader=reader,
        saved=saved == "1",
        kind_label=records.kind_label,
        status_label=records.status_label,
        benefit_label=records.benefit_label,
        new=links.with_token(links.NEW_PATH, reader.token),
        token_query=links.with_token("", reader.token),
    )


@router.get("/contributions/{contribution_id:int}/evidence/{attachment_id:int}")
async def evidence(
    contribution_id: int, attachment_id: int, request: Request, session: Session, t: str = ""
) -> Response:
    """One of the member's own evidence files (404 for anyone else's)."""
    contribution = await records.get(session, contribution_id=contribution_id)
    if contribution is None:
        return attachment_response(None)
    reader = await _member(request, session, t)
    if isinstance(reader, Response):
        return reader
    assert reader.person is not None
    if contribution.person_id != reader.person.id:
        return attachment_response(None)
    found = await attachments.get(
        session, attachment_id=attachment_id, owner_kind=records.OWNER, owner_id=contribution_id
    )
    return attachment_response(found)
