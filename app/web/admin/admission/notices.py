"""公示 in the console: start one, its objections and the findings, the Word document."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import NoticeKind, ObjectionOutcome, PublicNotice
from app.services import workdays as workdays_service
from app.services.accounts.admins import Principal
from app.services.admission import dossiers
from app.services.admission import notice_word as word_service
from app.services.admission import notices as notice_service
from app.services.admission import objections as objection_service
from app.services.admission.dossiers import Dossier
from app.services.admission.notices import NoticeState
from app.services.admission.steps import StepRefused
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.downloads import download
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/admission")

NO_FILE = "没有找到这份发展档案，或者它不在您负责的组织范围内。"
NO_NOTICE = "没有找到这条公示，或者它不在您负责的组织范围内。"
STATE_TONES = {
    NoticeState.PENDING: "text-bg-light border",
    NoticeState.OPEN: "text-bg-primary",
    NoticeState.ENDED: "text-bg-secondary",
}


async def _file_in_scope(session: AsyncSession, me: Principal, file_id: int) -> Dossier:
    """The file if its person is in the user's units; the same 404 for missing and out of scope."""
    dossier = await dossiers.load(session, file_id=file_id)
    if dossier is None or not me.sees_unit(dossier.person.org_unit_id):
        raise NotFound(NO_FILE)
    return dossier


async def _notice_in_scope(
    session: AsyncSession, me: Principal, notice_id: int
) -> tuple[PublicNotice, Dossier]:
    """The 公示 and its file, if the file's person is in the user's units (404 otherwise)."""
    notice = await notice_service.get(session, notice_id=notice_id)
    if notice is None:
        raise NotFound(NO_NOTICE)
    dossier = await notice_service.dossier_of(session, notice=notice)
    if not me.sees_unit(dossier.person.org_unit_id):
        raise NotFound(NO_NOTICE)
    return notice, dossier


def _kind(value: str | None) -> NoticeKind:
    """The kind from the query or form (anything else: the candidate's 公示)."""
    return NoticeKind.CONVERSION if value == NoticeKind.CONVERSION.value else NoticeKind.CANDIDATE


def member_url(request: Request, notice: PublicNotice) -> str:
    """The public page where anyone following may read the 公示 and object."""
    base: str = request.app.state.settings.public_base_url.rstrip("/")
    return f"{base}/m/admission/notices/{notice.id}"


# --- starting a 公示 ------------------------------------------------------------------------


async def _form_page(
    request: Request,
    session: AsyncSession,
    dossier: Dossier,
    *,
    kind: NoticeKind,
    shown: dict[str, str],
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The form, with the period and the text it gives as typed (when it can be computed)."""
    workdays = await workdays_service.load(session)
    starts_on = _date(shown["starts_on"])
    days = parse_int(shown["working_days"])
    preview = None
    if starts_on is not None and days is not None and 1 <= days <= 30:
        preview = await word_service.draft(
            session,
            dossier=dossier,
            kind=kind,
            starts_on=starts_on,
            working_days=days,
            contact=shown["contact"] or "（未填写）",
            workdays=workdays,
        )
    context: dict[str, Any] = {
        "nav": "admission",
        "dossier": dossier,
        "kind": kind,
        "form": shown,
        "error": error,
        "preview": preview,
        "warning": notice_service.unknown_years_warning(preview.unknown_years if preview else []),
        "existing": dossier.notice(kind),
        "refusal": notice_service.refusal(dossier, kind),
        "today": today(request).isoformat(),
    }
    return render(request, "admin/admission/notice_form.html", context, status_code)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@router.get("/files/{file_id:int}/notices/new", response_class=HTMLResponse)
async def new_notice(
    request: Request,
    file_id: int,
    session: Session,
    me: ConsoleWriter,
    kind: str = "",
    starts_on: str = "",
    working_days: str = "",
    contact: str = "",
) -> HTMLResponse:
    """The form: from the next working day, for the configured number of working days, the
    branch secretary and the 党群部门 taking objections; 重新计算 shows the end date again."""
    dossier = await _file_in_scope(session, me, file_id)
    chosen = _kind(kind)
    workdays = await workdays_service.load(session)
    shown = {
        "starts_on": starts_on.strip()
        or workdays.on_or_after(today(request) + timedelta(days=1)).isoformat(),
        "working_days": working_days.strip() or str(request.app.state.settings.notice_working_days),
        "contact": contact.strip() or await word_service.default_contact(session, dossier=dossier),
    }
    return await _form_page(request, session, dossier, kind=chosen, shown=shown)


@router.post("/files/{file_id:int}/notices/new", response_class=HTMLResponse)
async def create_notice(
    request: Request, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Start the 公示; a refusal is shown with its reason (422) and nothing is stored."""
    dossier = await _file_in_scope(session, me, file_id)
    form = await request.form()
    shown = text_fields(form, "starts_on", "working_days", "contact")
    raw_kind = form.get("kind")
    chosen = _kind(raw_kind if isinstance(raw_kind, str) else None)
    starts_on, days = _date(shown["starts_on"]), parse_int(shown["working_days"])
    if starts_on is None:
        error = "请填写公示开始日期（年-月-日）"
    elif days is None:
        error = "请填写公示的工作日数（1–30）"
    else:
        try:
            notice = await notice_service.start(
                session,
                dossier=dossier,
                kind=chosen,
                starts_on=starts_on,
                working_days=days,
                contact=shown["contact"],
                actor=actor(request, me),
                workdays=await workdays_service.load(session),
                today=today(request),
            )
        except StepRefused as exc:
            error = str(exc)
        else:
            flash(
                request,
                f"已发布{chosen.label}：{notice_service.period(notice)}。"
                "请下载 Word 文档张贴，并把公示页面的链接发给党员群众。",
            )
            return redirect(f"/admin/admission/notices/{notice.id}")
    return await _form_page(
        request, session, dossier, kind=chosen, shown=shown, error=error, status_code=422
    )


# --- the list and one 公示 ------------------------------------------------------------------


@router.get("/notices", response_class=HTMLResponse)
async def notice_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Every 公示 in the user's units: 未开始 / 公示中 / 已结束, with objections not checked."""
    rows = await notice_service.listing(session, unit_ids=me.unit_ids, today=today(request))
    context = {"nav": "admission", "rows": rows, "tones": STATE_TONES}
    return render(request, "admin/admission/notice_list.html", context)


@router.get("/notices/{notice_id:int}", response_class=HTMLResponse)
async def notice_page(
    request: Request, notice_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The 公示: its text and period; its objections for admins only (each view audited)."""
    notice, dossier = await _notice_in_scope(session, me, notice_id)
    workdays = await workdays_service.load(session)
    if me.is_admin:
        shown = await objection_service.view_objections(
            session, notice=notice, actor=actor(request, me)
        )
        count = len(shown)
    else:
        shown = []
        count = len(await objection_service.objections(session, notice=notice))
    unchecked = sum(1 for o in shown if o.outcome is None)
    context = {
        "nav": "admission",
        "notice": notice,
        "dossier": dossier,
        "kind": NoticeKind(notice.kind),
        "state": notice_service.state(notice, today(request)),
        "tones": STATE_TONES,
        "period": notice_service.period(notice),
        "warning": notice_service.unknown_years_warning(
            notice_service.unknown_years(notice, workdays)
        ),
        "objections": shown,
        "count": count,
        "unchecked": unchecked,
        "outcomes": [(o.value, o.label) for o in ObjectionOutcome],
        "outcome_labels": {o.value: o.label for o in ObjectionOutcome},
        "member_url": member_url(request, notice),
    }
    return render(request, "admin/admission/notice_detail.html", context)


@router.post(
    "/notices/{notice_id:int}/objections/{objection_id:int}/check", response_class=HTMLResponse
)
async def check_objection(
    request: Request, notice_id: int, objection_id: int, session: Session, me: ConsoleAdmin
) -> Response:
    """The written finding on one objection (admins only: they alone read objections)."""
    notice, _ = await _notice_in_scope(session, me, notice_id)
    objection = await objection_service.get_objection(session, objection_id=objection_id)
    if objection is None or objection.notice_id != notice.id:
        raise NotFound("没有找到这条意见。")
    form = await request.form()
    shown = text_fields(form, "outcome", "finding")
    if shown["outcome"] not in {o.value for o in ObjectionOutcome}:
        flash(request, "请选择核实结论（反映属实 / 反映不实）。", "danger")
        return redirect(f"/admin/admission/notices/{notice_id}#objection-{objection_id}")
    try:
        await objection_service.check(
            session,
            objection=objection,
            outcome=ObjectionOutcome(shown["outcome"]),
            finding=shown["finding"],
            actor=actor(request, me),
            now=now(request),
        )
    except StepRefused as exc:
        flash(request, str(exc), "danger")
    else:
        flash(request, f"已记录核实结论：{ObjectionOutcome(shown['outcome']).label}。")
    return redirect(f"/admin/admission/notices/{notice_id}#objection-{objection_id}")


@router.get("/notices/{notice_id:int}.docx")
async def notice_word(
    request: Request, notice_id: int, session: Session, me: ConsoleUser
) -> Response:
    """The 公示 as a Word document for the notice board."""
    notice, _ = await _notice_in_scope(session, me, notice_id)
    data = await word_service.export_word(
        session, notice=notice, actor=actor(request, me), issued_on=notice.starts_on
    )
    return download(
        data,
        f"{notice.title}.docx",
        fallback=f"notice-{notice_id}.docx",
        media_type=word_service.DOCX,
    )
