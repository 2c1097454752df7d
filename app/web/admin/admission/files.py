"""Development files: open one, record steps with their documents, reviews, history entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData, UploadFile

from app.api.deps import Session
from app.models import (
    AdmissionDocument,
    AdmissionFile,
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
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, person_in_scope
from app.web.admin.downloads import ascii_suffix, download
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import NotFound, flash, redirect, render, today

router = APIRouter(prefix="/admission")

MISSING = "没有找到这份发展档案，或者它不在您负责的组织范围内。"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# What a scanned document may be: by its name's ending, each with the type it is served as.
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
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


@dataclass(frozen=True)
class DocumentView:
    """A document as the file page lists it (its bytes are not read)."""

    id: int
    filename: str
    uploaded_at: datetime


async def _documents(session: AsyncSession, step_ids: list[int]) -> dict[int, list[DocumentView]]:
    """The documents of these steps, without their bytes, by step id."""
    if not step_ids:
        return {}
    statement = (
        select(
            AdmissionDocument.id,
            AdmissionDocument.step_id,
            AdmissionDocument.filename,
            AdmissionDocument.uploaded_at,
        )
        .where(col(AdmissionDocument.step_id).in_(step_ids))
        .order_by(col(AdmissionDocument.id))
    )
    found: dict[int, list[DocumentView]] = {}
    for document_id, step_id, filename, uploaded_at in (await session.exec(statement)).all():
        listed = DocumentView(id=document_id or 0, filename=filename, uploaded_at=uploaded_at)
        found.setdefault(step_id, []).append(listed)
    return found


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
    docs = await _documents(session, [row.id for row in dossier.steps.values() if row.id])
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


async def _upload(value: object) -> tuple[str, str, bytes] | str | None:
    """The document's name, type and bytes; the reason it is refused; None when none was sent."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    name = PurePath(value.filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()[-120:] or "文件"
    suffix = ascii_suffix(name).lower()
    if suffix not in DOCUMENT_TYPES:
        return "文件只能是 PDF、JPEG、PNG 或 Word（.docx）格式。"
    data = await value.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        return f"文件不能超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB，请压缩后再上传。"
    if not data:
        return "文件是空的，请重新选择。"
    return name, DOCUMENT_TYPES[suffix], data


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
    upload = await _upload(form.get("document"))
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
    if isinstance(upload, tuple) and row.id is not None:
        name, content_type, content = upload
        session.add(
            AdmissionDocument(
                step_id=row.id,
                filename=name,
                content_type=content_type,
                content=content,
                uploaded_by=me.username,
            )
        )
        await session.flush()
        await audit.record(
            session,
            actor=who,
            action="admission.document",
            target_type="admission_file",
            target_id=file_id,
            summary=f"{dossier.person.name}：{procedure.label(step)}上传 {name}",
        )
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


@router.get("/documents/{document_id:int}")
async def download_document(
    request: Request, document_id: int, session: Session, me: ConsoleUser
) -> Response:
    """A step's document, always as a download; 政审 documents for admins only (audited)."""
    document = await session.get(AdmissionDocument, document_id) if document_id else None
    step = await session.get(AdmissionStep, document.step_id) if document else None
    file = await session.get(AdmissionFile, step.file_id) if step else None
    person = await session.get(Person, file.person_id) if file else None
    restricted = step is not None and step.code == RESTRICTED_STEP
    if (
        document is None
        or person is None
        or not me.sees_unit(person.org_unit_id)
        or (restricted and not me.is_admin)
    ):
        raise NotFound("没有找到这个文件。")
    if restricted:
        await audit.record(
            session,
            actor=actor(request, me),
            action="admission.view_political_review",
            target_type="admission_file",
            target_id=step.file_id if step else None,
            summary=f"下载 {person.name} 的政审材料 {document.filename}",
        )
    fallback = f"document-{document_id}{ascii_suffix(document.filename)}"
    sandboxed = {"Content-Security-Policy": "default-src 'none'; sandbox"}
    return download(
        document.content,
        document.filename,
        fallback=fallback,
        media_type=document.content_type,
        headers=sandboxed,
    )


# --- a new file, a paper history ---------------------------------------------------------------


async def _people_without_file(
    session: AsyncSession, me: Principal, *, applicants_only: bool
) -> list[tuple[int, str]]:
    """Active people in scope who have no development file (群众 and 入党申请人 for a new one)."""
    statement = select(Person).where(
        Person.status == PersonStatus.ACTIVE.value,
        col(Person.id).not_in(select(AdmissionFile.person_id)),
    )
    if applicants_only:
        stages = (PoliticalStage.MASSES.value, PoliticalStage.APPLICANT.value)
        statement = statement.where(col(Person.stage).in_(stages))
    statement = people_service.in_scope(statement, me.unit_ids).order_by(col(Person.employee_no))
    return [
        (p.id, f"{p.name}（{p.employee_no} · {PoliticalStage(p.stage).label}）")
        for p in (await session.exec(statement)).all()
        if p.id is not None
    ]


async def _new_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    history: bool,
    shown: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "admission",
        "history": history,
        "form": shown,
        "error": error,
        "people": await _people_without_file(session, me, applicants_only=not history),
        "steps": procedure.STEPS,
        "sections": procedure.SECTIONS,
        "today": today(request).isoformat(),
    }
    return render(request, "admin/admission/new.html", context, status_code)


async def _chosen(session: AsyncSession, me: Principal, raw: str) -> Person | None:
    person_id = parse_int(raw)
    if person_id is None or person_id < 1:
        return None
    return await person_in_scope(session, me, person_id)


@router.get("/new", response_class=HTMLResponse)
async def new_file(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """新建发展档案: who applied, their birth date, the application's date."""
    shown = {"applied_on": today(request).isoformat()}
    return await _new_page(request, session, me, history=False, shown=shown)


@router.post("/new", response_class=HTMLResponse)
async def create_file(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Open the file with step 1 recorded; refused (422) with the reason, the input kept."""
    shown = text_fields(await request.form(), "person_id", "birth_date", "applied_on", "note")
    errors: dict[str, str] = {}
    person = await _chosen(session, me, shown["person_id"])
    birth = parse_day(shown["birth_date"], errors, "birth_date", required=True)
    applied = parse_day(shown["applied_on"], errors, "applied_on", required=True)
    problem = "请选择申请人。" if person is None else next(iter(errors.values()), None)
    status_code = 400
    if person is not None and birth is not None and applied is not None and problem is None:
        try:
            dossier = await file_service.open_file(
                session,
                person=person,
                birth_date=birth,
                applied_on=applied,
                note=shown["note"] or None,
                actor=actor(request, me),
                rules=rules_of(request),
            )
        except (StepRefused, PersonError) as exc:
            problem, status_code = str(exc), 422
        else:
            flash(request, f"已为 {person.name} 建立发展档案。")
            return redirect(f"/admin/admission/files/{dossier.id}")
    await session.rollback()
    return await _new_page(
        request, session, me, history=False, shown=shown, error=problem, status_code=status_code
    )


@router.get("/history", response_class=HTMLResponse)
async def new_history(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """录入历史档案: the dates of the steps taken before the system, from the paper file."""
    return await _new_page(request, session, me, history=True, shown={})


@router.post("/history", response_class=HTMLResponse)
async def create_history(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """A file from paper records; the person's stage follows the last step entered."""
    names = ["person_id", "birth_date", *(f"date_{step.code}" for step in procedure.STEPS)]
    shown = text_fields(await request.form(), *names)
    errors: dict[str, str] = {}
    person = await _chosen(session, me, shown["person_id"])
    birth = parse_day(shown["birth_date"], errors, "birth_date")
    dates: dict[str, date] = {}
    for step in procedure.STEPS:
        day = parse_day(shown[f"date_{step.code}"], errors, step.code)
        if day is not None:
            dates[step.code] = day
        elif step.code in errors:
            errors[step.code] = f"{procedure.label(step)}：{errors[step.code]}"
    problem = "请选择人员。" if person is None else next(iter(errors.values()), None)
    status_code = 400
    if person is not None and problem is None:
        try:
            dossier = await file_service.enter_history(
                session,
                person=person,
                birth_date=birth,
                dates=dates,
                actor=actor(request, me),
                rules=rules_of(request),
            )
        except (StepRefused, PersonError) as exc:
            problem, status_code = str(exc), 422
        else:
            flash(request, f"已录入 {person.name} 的历史发展档案。")
            return redirect(f"/admin/admission/files/{dossier.id}")
    await session.rollback()
    return await _new_page(
        request, session, me, history=True, shown=shown, error=problem, status_code=status_code
    )
