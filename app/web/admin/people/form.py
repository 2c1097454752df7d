"""Creating and editing a person: the form, its server-side checks, and the two pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import Session
from app.models import Person, PersonStatus, PoliticalStage
from app.models.people import PersonCreate, PersonUpdate
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.people.roster import PersonError
from app.web.admin.deps import ConsoleWriter, actor, person_in_scope
from app.web.admin.forms import blank_to_none, parse_int, text_fields, validate
from app.web.admin.pages import flash, redirect, render

router = APIRouter(prefix="/people")

_TEXT = ("employee_no", "name", "department", "post", "phone", "note", "org_unit_id", "status")
_CREATE_ONLY = ("stage", "stage_since", "probation_ends_on")
_REQUIRED = ("employee_no", "name", "stage", "status")  # blank is an error, not None


async def unit_options(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    """The units the user may put people in, by their full path."""
    names = await org_unit_service.path_names(session)
    return [(unit_id, name) for unit_id, name in names.items() if me.sees_unit(unit_id)]


def _check_unit(values: dict[str, Any], units: list[tuple[int, str]], me: Principal) -> str | None:
    raw = values.get("org_unit_id")
    if raw is None:
        return "请选择所在组织" if me.unit_ids is not None else None
    unit_id = parse_int(str(raw))
    if unit_id is None or unit_id not in {uid for uid, _ in units}:
        return "请从列表中选择"
    values["org_unit_id"] = unit_id
    return None


def _parse(form: FormData, names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, Any]]:
    shown = text_fields(form, *names)
    values = blank_to_none(shown, keep=_REQUIRED)
    values["is_manager"] = form.get("is_manager") == "on"
    return shown, values


def _page(
    request: Request,
    *,
    person: Person | None,
    shown: dict[str, Any],
    units: list[tuple[int, str]],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "nav": "people",
        "person": person,
        "form": shown,
        "errors": errors or {},
        "units": units,
        "stages": list(PoliticalStage),
        "statuses": list(PersonStatus),
        "phone_masked": people_service.mask_phone(person.phone) if person else None,
    }
    return render(request, "admin/people/form.html", context, status_code)


@router.get("/new", response_class=HTMLResponse)
async def new_person(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty form for a new person."""
    units = await unit_options(session, me)
    shown = {"stage": PoliticalStage.MASSES.value, "status": PersonStatus.ACTIVE.value}
    if len(units) == 1:
        shown["org_unit_id"] = str(units[0][0])
    return _page(request, person=None, shown=shown, units=units)


@router.post("/new", response_class=HTMLResponse)
async def create_person(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Add a person; errors are shown next to their fields."""
    units = await unit_options(session, me)
    shown, values = _parse(await request.form(), _TEXT + _CREATE_ONLY)
    unit_error = _check_unit(values, units, me)
    data, errors = validate(PersonCreate, values)
    if unit_error:
        errors["org_unit_id"] = unit_error
    if data is not None and not errors:
        try:
            person = await people_service.create(session, data=data, actor=actor(request, me))
        except PersonError as exc:
            errors["employee_no"] = str(exc)
        else:
            flash(request, f"已新增 {person.name}。")
            return redirect(f"/admin/people/{person.id}")
    shown["is_manager"] = values["is_manager"]
    return _page(request, person=None, shown=shown, units=units, errors=errors, status_code=400)


def _shown(person: Person) -> dict[str, Any]:
    return {
        "employee_no": person.employee_no,
        "name": person.name,
        "department": person.department or "",
        "post": person.post or "",
        "is_manager": person.is_manager,
        "org_unit_id": str(person.org_unit_id or ""),
        "note": person.note or "",
        "status": person.status,
        "probation_ends_on": person.probation_ends_on.isoformat()
        if person.probation_ends_on
        else "",
    }


@router.get("/{person_id:int}/edit", response_class=HTMLResponse)
async def edit_person(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> HTMLResponse:
    """The form with the person's current values (the phone only masked)."""
    person = await person_in_scope(session, me, person_id)
    units = await unit_options(session, me)
    return _page(request, person=person, shown=_shown(person), units=units)


@router.post("/{person_id:int}/edit", response_class=HTMLResponse)
async def update_person(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes (audited with before and after); a blank phone means unchanged."""
    person = await person_in_scope(session, me, person_id)
    units = await unit_options(session, me)
    form = await request.form()
    shown, values = _parse(form, (*_TEXT, "probation_ends_on"))
    if values["phone"] is None and form.get("clear_phone") != "on":
        del values["phone"]  # the form never shows the number: blank keeps it
    unit_error = _check_unit(values, units, me)
    data, errors = validate(PersonUpdate, values)
    if unit_error:
        errors["org_unit_id"] = unit_error
    if data is not None and not errors:
        try:
            await people_service.update(session, person=person, data=data, actor=actor(request, me))
        except PersonError as exc:
            errors["employee_no"] = str(exc)
        else:
            flash(request, f"已保存 {person.name} 的信息。")
            return redirect(f"/admin/people/{person.id}")
    shown["is_manager"] = values["is_manager"]
    shown.pop("phone", None)
    return _page(request, person=person, shown=shown, units=units, errors=errors, status_code=400)
