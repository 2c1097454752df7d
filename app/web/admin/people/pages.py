"""The roster in the console: the searchable list, a person's page, and stage transitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models import Person, PersonStatus, PoliticalStage
from app.models.people import StageTransitionCreate
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.binding import codes as binding_service
from app.services.messages import log as message_log_service
from app.services.people import duties as person_duties
from app.services.people import records as person_records
from app.services.people import roster as people_service
from app.services.people.roster import PersonError, PersonQuery
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now, person_in_scope
from app.web.admin.forms import blank_to_none, parse_int, parse_page, text_fields, validate
from app.web.admin.pages import flash, redirect, render, today
from app.web.admin.people.form import unit_options
from app.web.admin.people.roles import section as roles_section

router = APIRouter(prefix="/people")

PAGE_SIZE = 50
_STAGES = {stage.value: stage for stage in PoliticalStage}
_STATUSES = {status.value: status for status in PersonStatus}
_BOUND = {"yes": True, "no": False}


@router.get("", response_class=HTMLResponse)
async def people_list(
    request: Request,
    session: Session,
    me: ConsoleUser,
    q: str = "",
    stage: str = "",
    status: str = "",
    unit: str = "",
    bound: str = "",
    page: str = "",
) -> HTMLResponse:
    """Search by name or employee number; filter by stage, status, unit and binding."""
    units = await unit_options(session, me)
    unit_id = parse_int(unit)
    query = PersonQuery(
        text=q.strip() or None,
        stage=_STAGES.get(stage),
        status=_STATUSES.get(status),
        org_unit_id=unit_id if unit_id in {uid for uid, _ in units} else None,
        bound=_BOUND.get(bound),
    )
    number = parse_page(page)
    rows, total = await people_service.search(
        session,
        query=query,
        unit_ids=me.unit_ids,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    context = {
        "nav": "people",
        "people": rows,
        "total": total,
        "page": number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": {"q": q, "stage": stage, "status": status, "unit": unit, "bound": bound},
        "units": units,
        "stages": list(PoliticalStage),
        "statuses": list(PersonStatus),
    }
    return render(request, "admin/people/list.html", context)


def _next_stage(person: Person) -> PoliticalStage:
    """The usual next step, preselected in the form (full members stay where they are)."""
    order = list(PoliticalStage)
    index = order.index(PoliticalStage(person.stage))
    return order[min(index + 1, len(order) - 1)]


async def detail_page(
    request: Request,
    session: Session,
    me: Principal,
    person: Person,
    *,
    stage_form: dict[str, Any] | None = None,
    stage_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A person's page: details, stage history, WeChat binding, recent messages."""
    assert person.id is not None
    follower = await binding_service.follower_of(session, person_id=person.id)
    codes = await binding_service.active_codes(session, person_id=person.id, now=now(request))
    messages, message_total = await message_log_service.recent_messages(
        session, unit_ids=me.unit_ids, person_id=person.id, limit=5
    )
    history = (
        await audit.recent(session, limit=10, target_type="person", target_id=str(person.id))
        if me.is_admin
        else []
    )
    context = {
        "nav": "people",
        "person": await people_service.public(session, person),
        "transitions": await people_service.transitions(session, person_id=person.id),
        "labels": {stage.value: stage.label for stage in PoliticalStage},
        "stages": list(PoliticalStage),
        "follower": follower,
        "codes": codes,
        "messages": messages,
        "message_total": message_total,
        "history": history,
        "actions": audit.ACTIONS,
        "stage_form": stage_form
        or {"occurred_on": today(request).isoformat(), "to_stage": _next_stage(person).value},
        "stage_errors": stage_errors or {},
        "roles_section": await roles_section(session, me, person, on=today(request)),
        "duties": await person_duties.duties(session, person=person, now=now(request)),
        "activities": await person_records.entries(session, person_id=person.id),
    }
    return render(request, "admin/people/detail.html", context, status_code)


@router.get("/{person_id:int}", response_class=HTMLResponse)
async def person_detail(
    request: Request, person_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """One person (404 outside the user's units)."""
    person = await person_in_scope(session, me, person_id)
    return await detail_page(request, session, me, person)


@router.post("/{person_id:int}/stage", response_class=HTMLResponse)
async def record_transition(
    request: Request, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """登记阶段变化: a dated step with its document reference and note (audited)."""
    person = await person_in_scope(session, me, person_id)
    shown = text_fields(await request.form(), "to_stage", "occurred_on", "document_ref", "note")
    data, errors = validate(
        StageTransitionCreate, blank_to_none(shown, keep=("to_stage", "occurred_on"))
    )
    if data is not None and not errors:
        try:
            await people_service.transition(
                session, person=person, data=data, actor=actor(request, me)
            )
        except PersonError as exc:
            errors["__all__"] = str(exc)
        else:
            stage = f"{data.to_stage.label}（{data.occurred_on}）"
            flash(request, f"已登记：{person.name} 成为{stage}。")
            return redirect(f"/admin/people/{person_id}#stages")
    return await detail_page(
        request, session, me, person, stage_form=shown, stage_errors=errors, status_code=400
    )
