"""Opening development files in the console: a new application, or a paper file's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import AdmissionFile, Person, PersonStatus, PoliticalStage
from app.services.accounts.admins import Principal
from app.services.admission import files as file_service
from app.services.admission import procedure
from app.services.admission.steps import StepRefused
from app.services.people import roster as people_service
from app.services.people.roster import PersonError
from app.web.admin.admission.files import parse_day, rules_of
from app.web.admin.deps import ConsoleWriter, actor, person_in_scope
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import flash, redirect, render, today

router = APIRouter(prefix="/admission")


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
