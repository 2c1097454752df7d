"""Thought reports in the console: read one, acknowledge it with a comment (an admin or
secretary may do so on the 培养联系人's behalf; the entry names who did)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import AssigneeRole, Person, ThoughtReport
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.admission import dossiers
from app.services.admission import reports as report_service
from app.services.admission.dossiers import Dossier
from app.services.admission.reports import ReportRefused
from app.web.admin.deps import (
    ConsoleUser,
    ConsoleWriter,
    actor,
    kick_senders,
    now,
    person_in_scope,
)
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.media import attachment_response

router = APIRouter(prefix="/admission")
_MISSING = "没有找到这份思想汇报，或者汇报人不在您负责的组织范围内。"


async def _report(
    session: AsyncSession, me: Principal, report_id: int
) -> tuple[ThoughtReport, Dossier]:
    """The report and its file, when the reporter is within the user's scope (404 alike)."""
    report = await report_service.get(session, report_id=report_id)
    dossier = await dossiers.load(session, file_id=report.file_id) if report else None
    if report is None or dossier is None:
        raise NotFound(_MISSING)
    try:
        await person_in_scope(session, me, dossier.person.id or 0)
    except NotFound:
        raise NotFound(_MISSING) from None
    return report, dossier


async def _page(
    request: Request,
    session: AsyncSession,
    report: ThoughtReport,
    dossier: Dossier,
    *,
    error: str | None = None,
    comment: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    contact_ids = dossier.people(AssigneeRole.CONTACT)
    contacts = [p for p in [await session.get(Person, i) for i in contact_ids] if p is not None]
    context = {
        "nav": "admission",
        "report": report,
        "person": dossier.person,
        "file_id": dossier.id,
        "quarter": report_service.quarter_label(report.quarter),
        "contacts": [p.name for p in contacts],
        "error": error,
        "comment": comment,
        "comment_max": report_service.COMMENT_MAX,
    }
    return render(request, "admin/admission/report.html", context, status_code)


@router.get("/reports/{report_id:int}", response_class=HTMLResponse)
async def report_page(
    request: Request, report_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """One thought report: text, photos, and its acknowledgement (or the form for it)."""
    report, dossier = await _report(session, me, report_id)
    return await _page(request, session, report, dossier)


@router.get("/reports/{report_id:int}/photos/{number:int}")
async def report_photo(
    request: Request, report_id: int, number: int, session: Session, me: ConsoleUser
) -> Response:
    """A photo of the report: our copy once kept, until then WeChat's own link."""
    report, _ = await _report(session, me, report_id)
    return attachment_response(await report_service.photo(session, report=report, number=number))


@router.post("/reports/{report_id:int}/acknowledge", response_class=HTMLResponse)
async def acknowledge(
    request: Request,
    report_id: int,
    session: Session,
    me: ConsoleWriter,
    comment: Annotated[str, Form()] = "",
) -> Response:
    """已阅 on the contact's behalf, with a comment; the reporter is told."""
    report, dossier = await _report(session, me, report_id)
    who = actor(request, me)
    by = audit.Actor(
        id=who.id, name=f"{me.display_name}（代）", ip=who.ip, request_id=who.request_id
    )
    try:
        await report_service.acknowledge(
            session, report=report, by=by, comment=comment, now=now(request)
        )
    except ReportRefused as refused:
        status = 409 if report.acknowledged_at is not None else 400
        return await _page(
            request, session, report, dossier, error=str(refused), comment=comment,
            status_code=status,
        )  # fmt: skip
    await report_service.tell_reporter(
        session, report=report, dossier=dossier, settings=request.app.state.settings,
        now=now(request),
    )  # fmt: skip
    flash(request, "已确认阅读，并已通知汇报人。")
    back = redirect(f"/admin/admission/reports/{report_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back
