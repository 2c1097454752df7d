"""公示 pages: the notice anyone following may read, and its objection form.

No sign-in is needed to read or to object. When WeChat (or a signed link) has already named
the reader, a 实名 objection is prefilled with their name; an anonymous one keeps nothing of
who sent it, whatever the form carried.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import PublicNotice
from app.models.types import CHINA
from app.services.admission import notices as notice_service
from app.services.admission import objections as objection_service
from app.services.admission.notices import NoticeState
from app.services.admission.steps import StepRefused
from app.web.member.reader import Reader, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
PAGE = "admission_notice"
NOT_FOUND = "没有找到这条公示，请回到公众号回复「公示」重新打开。"


def _today(request: Request) -> date:
    """Today in China time, by the app's clock."""
    moment: datetime = request.app.state.clock()
    return moment.astimezone(CHINA).date()


async def _notice(session: AsyncSession, notice_id: int) -> PublicNotice | None:
    return await notice_service.get(session, notice_id=notice_id)


def _missing(request: Request) -> Response:
    return page(request, "message.html", 404, title="公示不存在", text=NOT_FOUND)


async def _render(
    request: Request,
    session: AsyncSession,
    notice: PublicNotice,
    *,
    form: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
    token: str = "",
) -> Response:
    state = notice_service.state(notice, _today(request))
    shown = form
    if shown is None:
        reader = await reader_of(
            request, session, page_name=PAGE, subject_id=notice.id or 0, token=token
        )
        person = reader.person if isinstance(reader, Reader) else None
        shown = {
            "content": "",
            "named": "0",
            "name": person.name if person is not None else "",
            "contact": (person.phone or "") if person is not None else "",
        }
    context: dict[str, Any] = {
        "notice": notice,
        "state": state.value,
        "period": notice_service.period(notice),
        "paragraphs": [line for line in notice.text.splitlines() if line.strip()],
        "form": shown,
        "error": error,
        "max_length": objection_service.MAX_OBJECTION,
    }
    return page(request, "admission/notice.html", status, **context)


@router.get("/admission/notices/{notice_id:int}")
async def notice_page(notice_id: int, request: Request, session: Session, t: str = "") -> Response:
    """The 公示: title, text and period; during the period, the form to raise an objection."""
    notice = await _notice(session, notice_id)
    if notice is None:
        return _missing(request)
    return await _render(request, session, notice, token=t)


@router.post("/admission/notices/{notice_id:int}")
async def raise_objection(
    notice_id: int,
    request: Request,
    session: Session,
    content: Annotated[str, Form()] = "",
    named: Annotated[str, Form()] = "0",
    name: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> Response:
    """提交意见: 实名 with a name (and a way to reach them), or 匿名 with nothing but the text."""
    try:
        await check_csrf(request)
    except CsrfError:
        return page(
            request,
            "message.html",
            403,
            title="页面已过期",
            text="请刷新页面后重新提交意见。",
        )
    notice = await _notice(session, notice_id)
    if notice is None:
        return _missing(request)
    is_named = named == "1"
    try:
        await objection_service.object(
            session,
            notice=notice,
            content=content,
            named=is_named,
            name=name if is_named else None,
            contact=contact if is_named else None,
            today=_today(request),
        )
    except StepRefused as exc:
        closed = notice_service.state(notice, _today(request)) is not NoticeState.OPEN
        typed = {"content": content, "named": "1" if is_named else "0"}
        typed |= {"name": name, "contact": contact} if is_named else {"name": "", "contact": ""}
        return await _render(
            request, session, notice, form=typed, error=str(exc), status=409 if closed else 422
        )
    return RedirectResponse(f"/m/admission/notices/{notice_id}/thanks", 303)


@router.get("/admission/notices/{notice_id:int}/thanks")
async def thanks(notice_id: int, request: Request, session: Session) -> Response:
    """After an objection: received, and what happens next."""
    notice = await _notice(session, notice_id)
    if notice is None:
        return _missing(request)
    return page(request, "admission/thanks.html", notice=notice)
