"""岗位建功 for the assessments (三亮三挂三考核): each person's verified contributions."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contribution, ContributionStatus


@dataclass(slots=True)
class Verified:
    """One person's verified contributions in a period: how many, their benefit, the records."""

    count: int = 0
    benefit: Decimal = Decimal("0.00")
    records: list[Contribution] = field(default_factory=list)


def _verified_in(person_ids: list[int], start: date, end: date) -> list[ColumnElement[bool]]:
    """The conditions: verified, of these people, dated within [start, end]."""
    return [
        col(Contribution.person_id).in_(person_ids),
        col(Contribution.status) == ContributionStatus.VERIFIED.value,
        col(Contribution.done_on) >= start,
        col(Contribution.done_on) <= end,
    ]


async def verified_contributions(
    session: AsyncSession, *, person_ids: Collection[int], start: date, end: date
) -> dict[int, Verified]:
    """Each person's verified contributions dated in [start, end]: count and benefit by SQL."""
    ids = sorted(set(person_ids))
    found = {person_id: Verified() for person_id in ids}
    if not ids:
        return found
    where = _verified_in(ids, start, end)
    totals = select(
        Contribution.person_id,
        func.count(col(Contribution.id)),
        func.coalesce(func.sum(col(Contribution.benefit)), 0),
    ).where(*where)
    for person_id, count, benefit in (
        await session.exec(totals.group_by(col(Contribution.person_id)))
    ).all():
        found[person_id].count = int(count)
        found[person_id].benefit = Decimal(str(benefit or 0)).quantize(Decimal("0.01"))
    records = select(Contribution).where(*where)
    records = records.order_by(col(Contribution.done_on), col(Contribution.id))
    for contribution in (await session.exec(records)).all():
        found[contribution.person_id].records.append(contribution)
    return found
