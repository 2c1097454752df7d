"""Who a pledge campaign or a knowledge test asks, resolved against today's roster."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AudienceKind, Person, PersonStatus, PoliticalStage
from app.services import org_units

PARTY_STAGES = (PoliticalStage.PROBATIONARY.value, PoliticalStage.FULL.value)


async def resolve(
    session: AsyncSession, *, kind: str, org_unit_id: int, person_ids: Sequence[int] = ()
) -> list[int]:
    """The active people the audience names within the unit and its sub-units, in id order.

    A named list is taken as given, minus anyone who has left the roster since.
    """
    statement = select(Person.id).where(Person.status == PersonStatus.ACTIVE.value)
    audience = AudienceKind(kind)
    if audience is AudienceKind.PEOPLE:
        statement = statement.where(col(Person.id).in_(list(person_ids)))
    else:
        units = await org_units.subtree_ids(session, root_id=org_unit_id)
        statement = statement.where(col(Person.org_unit_id).in_(units))
        members = col(Person.stage).in_(PARTY_STAGES)
        managers = col(Person.is_manager).is_(True)
        if audience is AudienceKind.PARTY_MEMBERS:
            statement = statement.where(members)
        elif audience is AudienceKind.MANAGERS:
            statement = statement.where(managers)
        else:
            statement = statement.where(or_(members, managers))
    rows = (await session.exec(statement.order_by(col(Person.id)))).all()
    return [int(pid) for pid in rows if pid is not None]


async def includes(
    session: AsyncSession,
    *,
    kind: str,
    org_unit_id: int,
    person_ids: Sequence[int],
    person: Person,
) -> bool:
    """Whether this person is in the audience today."""
    assert person.id is not None
    if person.status != PersonStatus.ACTIVE.value:
        return False
    if AudienceKind(kind) is AudienceKind.PEOPLE:
        return person.id in person_ids
    return person.id in await resolve(session, kind=kind, org_unit_id=org_unit_id)
