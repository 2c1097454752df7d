"""A development file in the console: its page, and the forms that record steps and reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import (
    AdmissionStep,
    AssigneeRole,
    FileStatus,
    NoticeKind,
    Person,
    PersonStatus,
    PoliticalStage,
)
from app.services import audit
from app.services import workdays as workday_service
from app.services.accounts.admins import Principal
from app.services.admission import deadlines, dossiers, procedure
from app.services.admission import files as file_service
from app.services.admission import steps as step_service
from app.services.admission.dossiers import Dossier
from app.services.admission.ledger import HIDDEN, RESTRICTED_STEP, names_of
from app.services.admission.procedure import Field
from app.services.admission.steps import StepInput, StepRefused
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.people.roster import PersonError
from app.web.admin.admission import documents
from app.web.admin.admission.documents import DocumentView
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/admission")

MISSING = "没有找到这份发展档案，或者它不在您负责的组织范围内。"
_STEP_TEXT = (
    "code",
    "done_on",
    "document_no",
    "document_date",
    "note",
    "training_starts_on",
    "training_ends_on",
    "training_hours",
    "late_reason",
)
_DATE_ERROR = "日期格式应为 年-月-日，例如 2026-03-05。"


def rules_of(request: Request) -> step_service.Rules:
    """The rules the step checks need: today in China time, how long a 政审 stays valid."""
    months = request.app.state.settings.political_review_valid_months
    return step_service.Rules(today=today(request), review_valid_months=months)


async def dossier_in_scope(session: AsyncSession, me: Principal, file_id: int) -> Dossier:
    """The file if the user may see it; 404 alike for missing and out of scope."""
    found = await dossiers.load(session, file_id=file_id) if file_id else None
    if found is None or not me.sees_unit(found.person.org_unit_id):
        raise NotFound(MISSING)
    return found


def parse_day(raw: str, errors: dict[str, str], key: str, *, required: bool = False) -> date | None:
    """A typed date, or None with the error noted (a blank optional one is simply None)."""
    if not raw:
        if required:
            errors.setdefault(key, "请填写日期。")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.setdefault(key, _DATE_ERROR)
        return None


# --- the file page ---------------------------------------------------------------------------


@dataclass
class StepView:
    """One of the 25 steps as the page shows it."""

    step: procedure.Step
    row: AdmissionStep | None
    documents: list[DocumentView] = field(default_factory=list)
    hidden: bool = False  # 政审 shown to someone who is not an admin


async def full_members(session: AsyncSession, me: Principal, exclude: int | None) -> list[Any]:
    """The full members in scope who may be named contact or introducer, as select options."""
    statement = people_service.in_scope(
        select(Person).where(
            Person.stage == PoliticalStage.FULL.value, Person.status == PersonStatus.ACTIVE.value
        ),
        me.unit_ids,
    ).order_by(col(Person.employee_no))
    return [
        (p.id, f"{p.name}（{p.employee_no}）")
        for p in (await session.exec(statement)).all()
        if p.id != exclude
    ]


def notice_links(dossier: Dossier) -> list[tuple[str, str]]:
    """The 公示 that may be started now: (kind, label)."""
    found = []
    for kind, after in ((NoticeKind.CANDIDATE, "committee_review"),
                        (NoticeKind.CONVERSION, "conversion_request")):  # fmt: skip
        if dossier.is_open and dossier.done_on(after) and dossier.notice(kind) is None:
            found.append((kind.value, f"发起{kind.label}"))
    return found


async def file_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    dossier: Dossier,
    *,
    forms: dict[str, dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A file: the person, deadlines, the 25 steps by section, the forms, reviews, reports."""
    day = today(request)
    calendar = await workday_service.load(session)
    months = request.app.state.settings.political_review_valid_months
    due = deadlines.compute(dossier, workdays=calendar, today=day, review_valid_months=months)
    docs = await documents.listed(session, [row.id for row in dossier.steps.values() if row.id])
    views = []
    for step in procedure.STEPS:
        row = dossier.steps.get(step.code)
        hidden = step.code == RESTRICTED_STEP and not me.is_admin
        listed = docs.get(row.id, []) if row is not None and row.id else []
        views.append(StepView(step=step, row=row, documents=listed, hidden=hidden))
    sections = [
        (section, [v for v in views if v.step.section == section.number])
        for section in procedure.SECTIONS
    ]
    if me.is_admin and RESTRICTED_STEP in dossier.steps:  # the page shows them: audited
        await audit.record(
            session,
            actor=actor(request, me),
            action="admission.view_political_review",
            target_type="admission_file",
            target_id=dossier.id,
            summary=f"查看 {dossier.person.name} 的政审材料",
        )
    units = await org_unit_service.path_names(session)
    shown_forms = forms or {}
    placed = {step.code for step in dossier.available()} | {"review", "extend", "stop"}
    context = {
        "nav": "admission",
        "dossier": dossier,
        "person": dossier.person,
        "unit": units.get(dossier.person.org_unit_id or 0, ""),
        "stage": PoliticalStage(dossier.person.stage).label,
        "status": FileStatus(dossier.file.status).label,
        "deadlines": due,
        "sections": sections,
        "available": dossier.available(),
        "forms": shown_forms,
        "errors": errors or {},
        # A refusal of a step that has no form on the page (not available): shown on top.
        "stray": [text for key, text in (errors or {}).items() if key not in placed],
        "fields": Field,
        "members": await full_members(session, me, dossier.person.id),
        "names": await names_of(session, [dossier]),
        "contacts": dossier.people(AssigneeRole.CONTACT),
        "introducers": dossier.people(AssigneeRole.INTRODUCER),
        "notice_links": notice_links(dossier),
        "kinds": {kind.value: kind.label for kind in NoticeKind},
        "today": day.isoformat(),
        "hidden_text": HIDDEN,
        "probation_ends_on": dossier.probation_ends_on(),
        "label": procedure.label,
    }
    return render(request, "admin/admission/file.html", context, status_code)


@router.get("/files/{file_id:int}", response_class=HTMLResponse)
async def file_detail(
    request: Request, file_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """One development file (404 outside the user's units); 政审 shown to admins, audited."""
    dossier = await dossier_in_scope(session, me, file_id)
    return await file_page(request, session, me, dossier)


def _step_input(form: FormData) -> tuple[dict[str, Any], StepInput | None, str | None]:
    """What was typed (to show again), the step to record, or the first problem in it."""
    shown: dict[str, Any] = text_fields(form, *_STEP_TEXT)
    shown["people"] = [str(v).strip() for v in form.getlist("people") if str(v).strip()]
    errors: dict[str, str] = {}
    done_on = parse_day(shown["done_on"], errors, "done_on", required=True)
    document_date = parse_day(shown["document_date"], errors, "document_date")
    starts = parse_day(shown["training_starts_on"], errors, "training_starts_on")
    ends = parse_day(shown["training_ends_on"], errors, "training_ends_on")
    hours: int | None = None
    if shown["training_hours"]:
        hours = parse_int(shown["training_hours"])
        if hours is None or not 0 <= hours <= 10_000:
            errors.setdefault("training_hours", "学时应为整数。")
    people = [parse_int(v) for v in shown["people"]]
    if any(p is None for p in people):
        errors.setdefault("people", "请从列表中选择。")
    if errors or done_on is None:
        return shown, None, next(iter(errors.values()), _DATE_ERROR)
    data = StepInput(
        code=shown["code"],
        done_on=done_on,
        document_no=shown["document_no"][:100] or None,
        document_date=document_date,
        note=shown["note"] or None,
        training_starts_on=starts,
        training_ends_on=ends,
        training_hours=hours,
        late_reason=shown["late_reason"] or None,
        people=tuple(p for p in people if p is not None),
    )
    return shown, data, None


async def _refused(
    request: Request,
    session: AsyncSession,
    me: Principal,
    file_id: int,
    key: str,
    reason: str,
    shown: dict[str, Any],
    status_code: int = 422,
) -> HTMLResponse:
    """The file page again, the form as typed with the reason above it (nothing stored): 422
    for what the procedure refuses, 400 for what cannot be read."""
    await session.rollback()
    dossier = await dossier_in_scope(session, me, file_id)
    return await file_page(
        request,
        session,
        me,
        dossier,
        forms={key: shown},
        errors={key: reason},
        status_code=status_code,
    )


@router.post("/files/{file_id:int}/steps", response_class=HTMLResponse)
async def record_step(
    request: Request, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """办理 a step: every rule checked; refused with the reason (422) and the input kept."""
    dossier = await dossier_in_scope(session, me, file_id)
    form = await request.form()
    shown, data, problem = _step_input(form)
    key = shown["code"] or "step"
    if data is not None and key not in procedure.BY_CODE:
        problem = "没有这个步骤。"
    upload = await documents.read_upload(form.get("document"))
    if isinstance(upload, str):
        problem = problem or upload
    if data is None or problem is not None:
        return await _refused(request, session, me, file_id, key, problem or "", shown, 400)
    who = actor(request, me)
    try:
        row = await step_service.record(
            session, dossier=dossier, data=data, actor=who, rules=rules_of(request)
        )
    except (StepRefused, PersonError) as exc:
        return await _refused(request, session, me, file_id, key, str(exc), shown)
    step = procedure.step(row.code)
    if isinstance(upload, tuple):
        await documents.attach(session, dossier=dossier, row=row, upload=upload, me=me, who=who)
    flash(request, f"已办理{procedure.label(step)}（{row.done_on.isoformat()}）。")
    return redirect(f"/admin/admission/files/{file_id}#step-{step.code}")


@router.post("/files/{file_id:int}/reviews", response_class=HTMLResponse)
async def add_review(
    request: Request, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """登记半年考察 (date and the branch's findings)."""
    dossier = await dossier_in_scope(session, me, file_id)
    shown = text_fields(await request.form(), "reviewed_on", "summary")
    errors: dict[str, str] = {}
    reviewed_on = parse_day(shown["reviewed_on"], errors, "review", required=True)
    if reviewed_on is None:
        problem = errors["review"]
        return await _refused(request, session, me, file_id, "review", problem, shown, 400)
    try:
        await file_service.add_review(
            session,
            dossier=dossier,
            reviewed_on=reviewed_on,
            summary=shown["summary"],
            actor=actor(request, me),
            today=today(request),
        )
    except StepRefused as exc:
        return await _refused(request, session, me, file_id, "review", str(exc), shown)
    flash(request, f"已登记半年考察（{reviewed_on.isoformat()}）。")
    return redirect(f"/admin/admission/files/{file_id}#reviews")


@router.post("/files/{file_id:int}/extend", response_class=HTMLResponse)
async def extend_probation(
    request: Request, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """延长预备期 by 6–12 months, with the branch meeting's reason."""
    dossier = await dossier_in_scope(session, me, file_id)
    shown = text_fields(await request.form(), "months", "reason")
    months = parse_int(shown["months"])
    if months is None:
        reason = "请填写延长的月数（6–12）。"
        return await _refused(request, session, me, file_id, "extend", reason, shown, 400)
    try:
        ends = await file_service.extend_probation(
            session,
            dossier=dossier,
            months=months,
            reason=shown["reason"],
            actor=actor(request, me),
        )
    except StepRefused as exc:
        return await _refused(request, session, me, file_id, "extend", str(exc), shown)
    flash(request, f"已延长预备期 {months} 个月，至 {ends.isoformat()}。")
    return redirect(f"/admin/admission/files/{file_id}")


@router.post("/files/{file_id:int}/stop", response_class=HTMLResponse)
async def stop_file(
    request: Request, file_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """终止发展, with the reason (the file closes; the stage is not changed)."""
    dossier = await dossier_in_scope(session, me, file_id)
    shown = text_fields(await request.form(), "reason")
    try:
        await file_service.stop(
            session, dossier=dossier, reason=shown["reason"], actor=actor(request, me)
        )
    except StepRefused as exc:
        return await _refused(request, session, me, file_id, "stop", str(exc), shown)
    flash(request, "已终止发展。")
    return redirect(f"/admin/admission/files/{file_id}")
