"""合理化建议 member pages: submit one with category, co-submitters, department and photos; see
one's own and where each stands. The member is named by WeChat's OAuth, else the signed link."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile

from app.api.deps import get_session
from app.handlers.registry import HOW_TO_BIND
from app.models import Person, SuggestionCategory
from app.services import attachments
from app.services.attachments import MAX_BYTES, MAX_PER_OWNER, AttachmentRefused
from app.services.member_links import LinkProblem
from app.services.people import org_units
from app.services.people import roster as people_service
from app.services.suggestions import records
from app.services.suggestions.records import MAX_TEXT, OWNER_KIND, PAGE, SuggestionRefused
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
CATEGORIES = [(c.value, c.label) for c in SuggestionCategory]


def _message(request: Request, status: int, title: str, text: str) -> Response:
    return page(request, "message.html", status, title=title, text=text)


async def _member(request: Request, session: AsyncSession, token: str) -> Reader | Response:
    """The bound member reading, or the page that says why not (forged, expired, unbound)."""
    reader = await reader_of(request, session, page_name=PAGE, subject_id=0, token=token)
    if reader is LinkProblem.FORGED:
        return _message(
            request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号回复「提建议」。"
        )
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期，请回到公众号回复「提建议」重新打开。"
        )
    assert isinstance(reader, Reader)
    if reader.person is None:
        return _message(
            request, 403, "请先绑定身份", "您还没有绑定身份，绑定后才能提合理化建议。" + HOW_TO_BIND
        )
    return reader


async def _form(
    request: Request,
    session: AsyncSession,
    reader: Reader,
    *,
    status: int = 200,
    notice: str | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    return page(
        request,
        "suggestions/new.html",
        status,
        reader=reader,
        categories=CATEGORIES,
        people=await people_service.people_options(session, None),
        units=await org_units.path_names(session),
        notice=notice,
        values=values or {},
        max_text=MAX_TEXT,
        max_photos=MAX_PER_OWNER,
        max_mb=MAX_BYTES // (1024 * 1024),
    )


def _link(reader: Reader) -> str:
    return f"?t={quote(reader.token, safe='')}" if reader.token else ""


@router.get("/suggestions/new")
async def new_page(request: Request, session: Session, t: str = "") -> Response:
    """The form: text, category, co-submitters, the department concerned, photos."""
    if (sign_in := oauth_first(request, "/m/suggestions/new", token=t)) is not None:
        return sign_in
    found = await _member(request, session, t)
    return found if isinstance(found, Response) else await _form(request, session, found)


async def _photos(form: list[object]) -> list[tuple[str, bytes]] | str:
    """The chosen photos' names and bytes, or why they are refused (too many, too large, …)."""
    files = [f for f in form if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_PER_OWNER:
        return f"最多上传 {MAX_PER_OWNER} 张照片。"
    photos = []
    for upload in files:
        data = await upload.read(MAX_BYTES + 1)  # a byte over the limit is enough to know
        try:
            attachments.check(data, filename=upload.filename or "")
        except AttachmentRefused as refused:
            return f"照片「{upload.filename}」：{refused}"
        photos.append((upload.filename or "", data))
    return photos


@router.post("/suggestions/new")
async def submit(request: Request, session: Session) -> Response:
    """Store the suggestion and its photos; refused as a whole (text kept) when any part is."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    form = await request.form()
    token = str(form.get("t") or "")
    found = await _member(request, session, token)
    if isinstance(found, Response):
        return found
    person = found.person
    assert person is not None
    values: dict[str, object] = {
        k: form.get(k) for k in ("content", "category", "concerns_unit_id")
    }
    coauthors = [
        int(v) for v in map(str, form.getlist("coauthor_id")) if v.isdigit() and len(v) < 10
    ]
    photos = await _photos(list(form.getlist("photos")))
    if isinstance(photos, str):
        return await _form(request, session, found, status=400, notice=photos, values=values)
    unit = str(form.get("concerns_unit_id") or "")
    units = await org_units.path_names(session)
    now = request.app.state.clock()
    try:
        suggestion = await records.submit(
            session, person=person, content=str(form.get("content") or ""), now=now, via="page",
            category=str(form.get("category") or ""),
            concerns_unit_id=int(unit) if unit.isdigit() and int(unit) in units else None,
            coauthor_ids=coauthors,
        )  # fmt: skip
    except SuggestionRefused as refused:
        return await _form(request, session, found, status=400, notice=str(refused), values=values)
    assert suggestion.id is not None
    for filename, data in photos:
        await attachments.upload(
            session, owner_kind=OWNER_KIND, owner_id=suggestion.id, filename=filename, data=data,
            now=now,
        )  # fmt: skip
    link = _link(found)
    return RedirectResponse(
        f"/m/suggestions/mine{link}{'&' if link else '?'}sent={suggestion.id}", 303
    )


@router.get("/suggestions/mine")
async def mine(request: Request, session: Session, t: str = "", sent: str = "") -> Response:
    """The member's own suggestions and where each stands (nothing about anyone else)."""
    if (sign_in := oauth_first(request, "/m/suggestions/mine", token=t)) is not None:
        return sign_in
    found = await _member(request, session, t)
    if isinstance(found, Response):
        return found
    person: Person | None = found.person
    assert person is not None and person.id is not None
    own = await records.of_person(session, person_id=person.id)
    just = next((s for s in own if str(s.id) == sent), None)
    return page(
        request,
        "suggestions/mine.html",
        suggestions=own,
        just=just,
        status_label=records.status_label,
        category_label=records.category_label,
        link=_link(found),
    )
