"""The choices the console's forms offer: units, people and branches within the user's scope."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import OrgUnit, OrgUnitKind, Person, PersonStatus
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service


async def unit_options(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    """The units the user may hold meetings in (and invite), by their full path."""
    names = await org_unit_service.path_names(session)
    return [(unit_id, name) for unit_id, name in names.items() if me.sees_unit(unit_id)]


async def people_options(
    session: AsyncSession, me: Principal, keep: Sequence[int] = ()
) -> list[tuple[int, str]]:
    """Active people in the user's scope, plus those the meeting already names (kept on edit)."""
    statement = people_service.in_scope(
        select(Person).where(Person.status == PersonStatus.ACTIVE.value), me.unit_ids
    )
    people = list((await session.exec(statement.order_by(col(Person.employee_no)))).all())
    seen = {p.id for p in people}
    missing = [pid for pid in keep if pid not in seen]
    if missing:
        extra = await session.exec(select(Person).where(col(Person.id).in_(missing)))
        people.extend(extra.all())
    return [(p.id, f"{p.name}（{p.employee_no}）") for p in people if p.id is not None]


async def branch_options(session: AsyncSession, allowed: set[int] | None) -> list[tuple[int, str]]:
    """The branches among `allowed` (None: all), by their full path."""
    names = await org_unit_service.path_names(session)
    statement = (
        select(OrgUnit)
        .where(OrgUnit.kind == OrgUnitKind.BRANCH.value)
        .order_by(col(OrgUnit.sort_order), col(OrgUnit.id))
    )
    return [
        (unit.id, names.get(unit.id, unit.name))
        for unit in (await session.exec(statement)).all()
        if unit.id is not None and (allowed is None or unit.id in allowed)
    ]
