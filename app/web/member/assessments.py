"""The member's own sheet /m/assessments/<sheet_id>: the result, a statement, a review request.

OAuth first, then the signed link the notice or the chat carries. Only the sheet's own person
sees it, and only once the period is signed off; another member's sheet is refused and audited.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import AssessmentPeriod, AssessmentSheet, PeriodKind, PeriodStatus
from app.services import audit
from app.services.assessments import mine, periods, review
from app.services.assessments.review import PAGE, ReviewRefused
from app.services.member_links import LinkProblem
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
NOT_FOUND = "没有找到这份考核表，请回到公众号回复「我的考核」重新打开。"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    """A plain message page."""
    return page(request, "message.html", status, title=title, text=text)


async def _own(
    request: Request, session: AsyncSession, sheet_id: int, token: str
) -> tuple[AssessmentSheet, AssessmentPeriod, Reader] | Response:
    """The sheet when its own person reads it; otherwise the page that says why."""
    sheet = await session.get(AssessmentSheet, sheet_id)
    period = await session.get(AssessmentPeriod, sheet.period_id) if sheet else None
    if sheet is None or period is None or period.status != PeriodStatus.SIGNED.value:
        return _message(request, 404, "考核表不存在", NOT_FOUND)
    reader = await reader_of(request, session, page_name=PAGE, subject_id=sheet_id, token=token)
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号重新打开。")
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期。请在公众号回复「我的考核」重新打开。"
        )
    assert isinstance(reader, Reader)
    if reader.person is None:
        return _message(
            request,
            403,
            "无法确认您的身份",
            "请通过公众号推送的链接打开，或在公众号回复「我的考核」。",
        )
    if reader.person.id != sheet.person_id:
        await audit.record(
            session,
            actor=audit.Actor(
                id=None, name=f"党员 {reader.person.name}（{reader.person.employee_no}）"
            ),
            action="assessments.sheet_refused",
            target_type="assessment_sheet",
            target_id=sheet_id,
            summary="试图查看他人的考核表",
        )
        return _message(
            request, 403, "无权查看", "这不是您的考核表，每位党员只能查看本人的考核结果。"
        )
    return sheet, period, reader


async def _render(
    request: Request,
    session: AsyncSession,
    found: tuple[AssessmentSheet, AssessmentPeriod, Reader],
    *,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    """The sheet page for its own reader."""
    sheet, period, reader = found
    context: dict[str, Any] = {
        "sheet": sheet,
        "period_name": periods.name_of(PeriodKind(period.kind), period.starts_on),
        "lines": await review.lines_of(session, sheet=sheet, period=period),
        "open": mine.window_open(period, now=request.app.state.clock()),
        "reader": reader,
        "notice": notice,
    }
    return page(request, "assessments/sheet.html", status, **context)


@router.get("/assessments/{sheet_id:int}")
async def sheet_page(sheet_id: int, request: Request, session: Session, t: str = "") -> Response:
    """The member's own signed-off sheet."""
    if await session.get(AssessmentSheet, sheet_id) is None:  # nothing to sign in for
        return _message(request, 404, "考核表不存在", NOT_FOUND)
    if (sign_in := oauth_first(request, f"/m/assessments/{sheet_id}", token=t)) is not None:
        return sign_in
    found = await _own(request, session, sheet_id, t)
    if isinstance(found, Response):
        return found
    return await _render(request, session, found)


@router.post("/assessments/{sheet_id:int}/{action}")
async def act(
    sheet_id: int,
    action: str,
    request: Request,
    session: Session,
    text: Annotated[str, Form()] = "",
    t: Annotated[str, Form()] = "",
) -> Response:
    """自述 (`statement`) or 申请复核 (`review`), within 7 days of sign-off."""
    if action not in ("statement", "review"):
        return _message(request, 404, "考核表不存在", NOT_FOUND)
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    found = await _own(request, session, sheet_id, t)
    if isinstance(found, Response):
        return found
    sheet, period, reader = found
    now = request.app.state.clock()
    try:
        if action == "statement":
            await mine.add_statement(session, sheet=sheet, period=period, text=text, now=now)
        else:
            await mine.ask_review(session, sheet=sheet, period=period, reason=text, now=now)
    except ReviewRefused as refused:
        return await _render(request, session, found, status=409, notice=str(refused))
    link = f"?t={quote(reader.token, safe='')}" if reader.token else ""
    return RedirectResponse(f"/m/assessments/{sheet_id}{link}", 303)
