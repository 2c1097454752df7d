"""The choices the console's forms offer: units and branches within the user's scope (people:
`app.services.people.roster.people_options`)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import OrgUnit, OrgUnitKind
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service


async def unit_options(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    """The units the user may hold meetings in (and invite), by their full path."""
    names = await org_unit_service.path_names(session)
    return [(unit_id, name) for unit_id, name in names.items() if me.sees_unit(unit_id)]


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
