"""Who a pledge campaign or a knowledge test asks, resolved against today's roster."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.models import AudienceKind, Person, PersonStatus, PoliticalStage
from app.services.people import org_units

PARTY_STAGES = (PoliticalStage.PROBATIONARY.value, PoliticalStage.FULL.value)


class Addressed(Protocol):
    """Anything that names an audience: a pledge campaign, a test."""

    audience: str  # an AudienceKind value
    org_unit_id: int
    person_ids: list[int]  # for a named list


T = TypeVar("T", bound=Addressed)


async def _statement(session: AsyncSession, target: Addressed) -> SelectOfScalar[Any]:
    """The active people the audience names within the unit and its sub-units.

    A named list is taken as given, minus anyone who has left the roster since.
    """
    statement = select(Person.id).where(Person.status == PersonStatus.ACTIVE.value)
    audience = AudienceKind(target.audience)
    if audience is AudienceKind.PEOPLE:
        return statement.where(col(Person.id).in_(list(target.person_ids)))
    units = await org_units.subtree_ids(session, root_id=target.org_unit_id)
    statement = statement.where(col(Person.org_unit_id).in_(units))
    members = col(Person.stage).in_(PARTY_STAGES)
    managers = col(Person.is_manager).is_(True)
    if audience is AudienceKind.PARTY_MEMBERS:
        return statement.where(members)
    if audience is AudienceKind.MANAGERS:
        return statement.where(managers)
    return statement.where(or_(members, managers))


async def resolve(session: AsyncSession, *, target: Addressed) -> list[int]:
    """The people the target asks today, in id order."""
    statement = await _statement(session, target)
    rows = (await session.exec(statement.order_by(col(Person.id)))).all()
    return [int(pid) for pid in rows if pid is not None]


async def includes(session: AsyncSession, *, target: Addressed, person: Person) -> bool:
    """Whether the target asks this person today (one lookup, not the whole list)."""
    statement = await _statement(session, target)
    found = await session.exec(statement.where(col(Person.id) == person.id))
    return found.first() is not None


async def asking(session: AsyncSession, *, targets: Iterable[T], person: Person) -> list[T]:
    """Those of `targets` that ask this person today, in their order."""
    return [t for t in targets if await includes(session, target=t, person=person)]
