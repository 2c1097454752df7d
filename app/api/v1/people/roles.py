"""Branch roles (支部职务) and study pairs (结对帮学) of the people on the roster."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import CurrentPrincipal, Session, Writer, actor_of
from app.api.errors import ApiError, error_responses
from app.api.v1.common import INT32_MAX, IdPath, check_unit, not_found, person_in_scope
from app.models import BranchRoleKind, Person
from app.services.accounts.admins import Principal
from app.services.people import roles as role_service
from app.services.people import roster as people_service
from app.services.people.roles import BranchRolePublic, PairSide, StudyPairPublic

router = APIRouter(tags=["roles"])

FOUND = error_responses(404)
WRITE = error_responses(403, 404, 409)

Id = Annotated[int, Field(ge=1, le=INT32_MAX)]


class BranchRoleCreate(BaseModel):
    """A role for the person in a unit within your scope; only Party members hold roles."""

    org_unit_id: Id
    role: BranchRoleKind
    since: date | None = None


class StudyPairCreate(BaseModel):
    """A study pair of the person and someone else within your scope."""

    other_person_id: Id
    side: PairSide = Field(
        description="The path person's side: leader (带学人) or partner (学习人)"
    )
    started_on: date


class StudyPairEnd(BaseModel):
    """When the pair ended."""

    ended_on: date


@router.get("/people/{person_id:int}/roles", responses=FOUND)
async def list_roles(
    person_id: IdPath, session: Session, principal: CurrentPrincipal
) -> list[BranchRolePublic]:
    """A person's branch roles, 支部书记 first."""
    person = await person_in_scope(session, principal, person_id)
    assert person.id is not None
    roles = await role_service.roles_of(session, person_id=person.id)
    return await role_service.roles_public(session, roles)


@router.post("/people/{person_id:int}/roles", status_code=201, responses=WRITE)
async def assign_role(
    person_id: IdPath,
    data: BranchRoleCreate,
    session: Session,
    principal: Writer,
    request: Request,
) -> BranchRolePublic:
    """Give a Party member a role in a unit (audited); a unit has one 支部书记 at a time."""
    person = await person_in_scope(session, principal, person_id)
    await check_unit(session, principal, data.org_unit_id, field="org_unit_id")
    role = await role_service.assign_role(
        session,
        person=person,
        org_unit_id=data.org_unit_id,
        role=data.role,
        since=data.since,
        actor=actor_of(request, principal),
    )
    (shown,) = await role_service.roles_public(session, [role])
    return shown


@router.delete("/roles/{role_id:int}", status_code=204, responses=WRITE)
async def remove_role(
    role_id: IdPath, session: Session, principal: Writer, request: Request
) -> None:
    """Remove a role (audited): the person and the role's unit must be within your scope."""
    role = await role_service.get_role(session, role_id=role_id)
    person = await people_service.get(session, person_id=role.person_id) if role else None
    if (
        role is None
        or person is None
        or not principal.sees_unit(person.org_unit_id)
        or not principal.sees_unit(role.org_unit_id)
    ):
        raise not_found("没有找到该职务")
    await role_service.remove_role(session, role_id=role_id, actor=actor_of(request, principal))


@router.get("/people/{person_id:int}/study-pairs", responses=FOUND)
async def list_pairs(
    person_id: IdPath, session: Session, principal: CurrentPrincipal
) -> list[StudyPairPublic]:
    """A person's study pairs as leader or partner: current ones first."""
    person = await person_in_scope(session, principal, person_id)
    assert person.id is not None
    pairs = await role_service.pairs_of(session, person_id=person.id)
    return await role_service.pairs_public(session, pairs)


async def _other(session: AsyncSession, principal: Principal, other_id: int) -> Person:
    """The other person of a new pair; 422 alike for missing and out of scope."""
    other = await people_service.get(session, person_id=other_id)
    if other is None or not principal.sees_unit(other.org_unit_id):
        message = "没有找到结对的另一方，或其不在您的管理范围内"
        details = [{"field": "body.other_person_id", "message": message, "type": "person_missing"}]
        raise ApiError(422, message, details=details)
    return other


@router.post("/people/{person_id:int}/study-pairs", status_code=201, responses=WRITE)
async def create_pair(
    person_id: IdPath,
    data: StudyPairCreate,
    session: Session,
    principal: Writer,
    request: Request,
) -> StudyPairPublic:
    """Pair the person with someone in your scope from a date (audited)."""
    person = await person_in_scope(session, principal, person_id)
    other = await _other(session, principal, data.other_person_id)
    leader, partner = (person, other) if data.side is PairSide.LEADER else (other, person)
    pair = await role_service.create_pair(
        session,
        leader=leader,
        partner=partner,
        started_on=data.started_on,
        actor=actor_of(request, principal),
    )
    (shown,) = await role_service.pairs_public(session, [pair])
    return shown


@router.post("/study-pairs/{pair_id:int}/end", responses=WRITE)
async def end_pair(
    pair_id: IdPath,
    data: StudyPairEnd,
    session: Session,
    principal: Writer,
    request: Request,
) -> StudyPairPublic:
    """End a current study pair on a date (audited); both people must be within your scope."""
    pair = await role_service.get_pair(session, pair_id=pair_id)
    if pair is None:
        raise not_found("没有找到该结对")
    for member_id in (pair.leader_id, pair.partner_id):
        member = await people_service.get(session, person_id=member_id)
        if member is None or not principal.sees_unit(member.org_unit_id):
            raise not_found("没有找到该结对")
    ended = await role_service.end_pair(
        session, pair_id=pair_id, ended_on=data.ended_on, actor=actor_of(request, principal)
    )
    (shown,) = await role_service.pairs_public(session, [ended])
    return shown
