"""A thought report, opened by its 培养联系人 from a signed link, acknowledged with a comment.

The contact is named by WeChat's OAuth where the account has it, otherwise by the signed link
the notice carried (`?t=`); only a contact named on the reporter's file may read the report.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import AssigneeRole, ThoughtReport
from app.models.types import china_moment
from app.services import audit
from app.services.admission import dossiers
from app.services.admission import reports as report_service
from app.services.admission.dossiers import Dossier
from app.services.admission.reports import ReportRefused
from app.services.member_links import LinkProblem
from app.web.media import attachment_response
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
PAGE = report_service.PAGE
FORGED_LINK = "这个链接不完整或已失效，请回到公众号重新打开。"
NOT_FOUND = "没有找到这份思想汇报，请回到公众号重新打开。"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    return page(request, "message.html", status, title=title, text=text)


async def _contact(
    request: Request, session: AsyncSession, report: ThoughtReport, token: str
) -> tuple[Reader, Dossier] | Response:
    """The reader, when they are a 培养联系人 on the reporter's file; otherwise the refusal."""
    assert report.id is not None
    reader = await reader_of(request, session, page_name=PAGE, subject_id=report.id, token=token)
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", FORGED_LINK)
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期。请回到公众号，从最新的通知中重新打开。"
        )
    assert isinstance(reader, Reader)
    if reader.person is None or reader.person.id is None:
        return _message(request, 403, "无法确认您的身份", "请通过公众号推送给您的通知打开本页。")
    dossier = await dossiers.load(session, file_id=report.file_id)
    if dossier is None or reader.person.id not in dossier.people(AssigneeRole.CONTACT):
        return _message(
            request,
            403,
            "无权查看",
            "只有这位同志的培养联系人可以查看这份思想汇报。",
        )
    return reader, dossier


async def _for_contact(
    request: Request, session: AsyncSession, report_id: int, token: str
) -> tuple[ThoughtReport, Reader, Dossier] | Response:
    """The report with its reader and file, when the reader is its contact; else the refusal."""
    report = await report_service.get(session, report_id=report_id)
    if report is None:
        return _message(request, 404, "思想汇报不存在", NOT_FOUND)
    found = await _contact(request, session, report, token)
    return found if isinstance(found, Response) else (report, *found)


def _render(
    request: Request,
    report: ThoughtReport,
    reader: Reader,
    dossier: Dossier,
    *,
    status: int = 200,
    notice: str | None = None,
    comment: str = "",
) -> Response:
    return page(
        request,
        "admission/report.html",
        status,
        report=report,
        reporter=dossier.person,
        quarter=report_service.quarter_label(report.quarter),
        submitted=china_moment(report.submitted_at, year=True),
        reader=reader,
        notice=notice,
        comment=comment,
        comment_max=report_service.COMMENT_MAX,
    )


@router.get("/admission/reports/{report_id:int}")
async def report_page(report_id: int, request: Request, session: Session, t: str = "") -> Response:
    """The report's text and photos, and the form to acknowledge it."""
    report = await report_service.get(session, report_id=report_id)
    if report is None:
        return _message(request, 404, "思想汇报不存在", NOT_FOUND)
    path = f"/m/admission/reports/{report_id}"
    if (sign_in := oauth_first(request, path, token=t)) is not None:
        return sign_in
    found = await _contact(request, session, report, t)
    if isinstance(found, Response):
        return found
    reader, dossier = found
    return _render(request, report, reader, dossier)


@router.get("/admission/reports/{report_id:int}/photos/{number:int}")
async def report_photo(
    report_id: int, number: int, request: Request, session: Session, t: str = ""
) -> Response:
    """A photo of the report, for its contact: our copy once kept, else WeChat's link."""
    found = await _for_contact(request, session, report_id, t)
    if isinstance(found, Response):
        return found
    return attachment_response(await report_service.photo(session, report=found[0], number=number))


@router.post("/admission/reports/{report_id:int}/acknowledge")
async def acknowledge(
    report_id: int,
    request: Request,
    session: Session,
    comment: Annotated[str, Form()] = "",
    t: Annotated[str, Form()] = "",
) -> Response:
    """已阅: the contact's comment; the reporter is told."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    found = await _for_contact(request, session, report_id, t)
    if isinstance(found, Response):
        return found
    report, reader, dossier = found
    assert reader.person is not None
    now = request.app.state.clock()
    try:
        await report_service.acknowledge(
            session,
            report=report,
            by=audit.Actor(id=None, name=reader.person.name),
            comment=comment,
            now=now,
        )
    except ReportRefused as refused:
        status = 409 if report.acknowledged_at is not None else 400
        return _render(
            request, report, reader, dossier, status=status, notice=str(refused), comment=comment
        )
    await report_service.tell_reporter(
        session, report=report, dossier=dossier, settings=request.app.state.settings, now=now
    )
    link = f"?t={quote(reader.token, safe='')}" if reader.token else ""
    return RedirectResponse(f"/m/admission/reports/{report_id}{link}", 303)
