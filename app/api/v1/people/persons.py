"""People on the roster: search, read, add, edit, and dated stage transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session, Writer, actor_of
from app.api.errors import ApiError, error_responses
from app.api.v1.common import (
    IdPath,
    IdQuery,
    Limit,
    Offset,
    check_unit,
    person_in_scope,
    refuse_null,
)
from app.models import PersonStatus, PoliticalStage, StageTransition
from app.models.people import PersonCreate, PersonPublic, PersonUpdate, StageTransitionCreate
from app.services.people import roster as people_service
from app.services.people.roster import PersonQuery

router = APIRouter(prefix="/people", tags=["people"])

FOUND = error_responses(404)
WRITE = error_responses(403, 409)
# A probation ends a year after the step: keep dates where that arithmetic stays valid.
EARLIEST_STEP, LATEST_STEP = date(1900, 1, 1), date(2999, 12, 31)
# Columns that cannot hold NULL: PATCH may leave them out but not blank them.
NOT_NULL = ("employee_no", "name", "is_manager", "status")


class PeoplePage(BaseModel):
    """One page of the roster and how many people match in all."""

    items: list[PersonPublic]
    total: int


class StageTransitionPublic(BaseModel):
    """A dated step of a person's political stage."""

    id: int
    person_id: int
    from_stage: PoliticalStage | None
    from_stage_label: str | None
    to_stage: PoliticalStage
    to_stage_label: str
    occurred_on: date
    document_ref: str | None
    note: str | None
    recorded_by: str | None
    recorded_at: datetime


def _transition_public(step: StageTransition) -> StageTransitionPublic:
    assert step.id is not None
    before = PoliticalStage(step.from_stage) if step.from_stage else None
    after = PoliticalStage(step.to_stage)
    return StageTransitionPublic(
        id=step.id,
        person_id=step.person_id,
        from_stage=before,
        from_stage_label=before.label if before else None,
        to_stage=after,
        to_stage_label=after.label,
        occurred_on=step.occurred_on,
        document_ref=step.document_ref,
        note=step.note,
        recorded_by=step.recorded_by,
        recorded_at=step.recorded_at,
    )


@router.get("")
async def list_people(
    session: Session,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=100, description="Name or employee number")] = None,
    stage: PoliticalStage | None = None,
    status: PersonStatus | None = None,
    org_unit_id: IdQuery = None,
    bound: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PeoplePage:
    """Search the roster within your scope."""
    query = PersonQuery(text=q, stage=stage, status=status, org_unit_id=org_unit_id, bound=bound)
    items, total = await people_service.search(
        session, query=query, unit_ids=principal.unit_ids, limit=limit, offset=offset
    )
    return PeoplePage(items=items, total=total)


@router.post("", status_code=201, responses=WRITE)
async def create_person(
    data: PersonCreate,
    session: Session,
    principal: Writer,
    request: Request,
    response: Response,
) -> PersonPublic:
    """Add a person (audited); a stage other than 群众 is recorded as their first transition."""
    await check_unit(session, principal, data.org_unit_id, field="org_unit_id")
    person = await people_service.create(session, data=data, actor=actor_of(request, principal))
    response.headers["Location"] = f"{request.url.path}/{person.id}"
    return await people_service.public(session, person)


@router.get("/{person_id:int}", responses=FOUND)
async def get_person(
    person_id: IdPath, session: Session, principal: CurrentPrincipal
) -> PersonPublic:
    """One person within your scope."""
    person = await person_in_scope(session, principal, person_id)
    return await people_service.public(session, person)


@router.patch("/{person_id:int}", responses={**FOUND, **WRITE})
async def update_person(
    person_id: IdPath,
    data: PersonUpdate,
    session: Session,
    principal: Writer,
    request: Request,
) -> PersonPublic:
    """Change some of a person's fields (audited); the stage changes only by a transition."""
    person = await person_in_scope(session, principal, person_id)
    refuse_null(data, NOT_NULL)
    if "org_unit_id" in data.model_fields_set:
        await check_unit(session, principal, data.org_unit_id, field="org_unit_id")
    await people_service.update(
        session, person=person, data=data, actor=actor_of(request, principal)
    )
    return await people_service.public(session, person)


@router.get("/{person_id:int}/transitions", responses=FOUND)
async def list_transitions(
    person_id: IdPath, session: Session, principal: CurrentPrincipal
) -> list[StageTransitionPublic]:
    """A person's stage history, oldest first."""
    person = await person_in_scope(session, principal, person_id)
    assert person.id is not None
    steps = await people_service.transitions(session, person_id=person.id)
    return [_transition_public(step) for step in steps]


@router.post("/{person_id:int}/transitions", status_code=201, responses={**FOUND, **WRITE})
async def create_transition(
    person_id: IdPath,
    data: StageTransitionCreate,
    session: Session,
    principal: Writer,
    request: Request,
) -> StageTransitionPublic:
    """Move a person to another stage on a date (audited); going back needs a note."""
    person = await person_in_scope(session, principal, person_id)
    if not EARLIEST_STEP <= data.occurred_on <= LATEST_STEP:
        message = f"日期须在 {EARLIEST_STEP.year} 年至 {LATEST_STEP.year} 年之间"
        details = [{"field": "body.occurred_on", "message": message, "type": "date_range"}]
        raise ApiError(422, message, details=details)
    step = await people_service.transition(
        session, person=person, data=data, actor=actor_of(request, principal)
    )
    return _transition_public(step)
