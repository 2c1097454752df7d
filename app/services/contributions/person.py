"""岗位建功 on a person's console page and on the member's own 我的记录."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contribution, ContributionStatus
from app.services.contributions.listing import of_person
from app.services.contributions.records import benefit_label, kind_label, status_label
from app.services.people.entry import PersonEntry


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """The person's 岗位建功 records for their console page, newest first."""
    found: list[PersonEntry] = []
    for contribution in await of_person(session, person_id=person_id):
        state = status_label(contribution.status)
        if contribution.benefit is not None:
            state = f"{state} · {benefit_label(contribution.benefit)}"
        found.append(
            PersonEntry(
                kind="岗位建功",
                title=f"{kind_label(contribution.kind)} · {contribution.title}",
                path=f"/admin/contributions/{contribution.id}",
                state=state,
                on=contribution.done_on,
            )
        )
    return found


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own 岗位建功 on 我的记录 (one line each)."""
    statement = select(Contribution.status, func.count()).where(
        Contribution.person_id == person_id,
        col(Contribution.done_on) >= date(year, 1, 1),
        col(Contribution.done_on) <= date(year, 12, 31),
    )
    counts = dict((await session.exec(statement.group_by(col(Contribution.status)))).all())
    total = sum(int(n) for n in counts.values())
    if not total:
        return []
    checked = int(counts.get(ContributionStatus.VERIFIED.value, 0))
    return [f"今年岗位建功 {total} 项，已核实 {checked} 项。"]
