"""合理化建议 on a person's console page and on the member's own 我的记录."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Suggestion, SuggestionStatus
from app.models.types import CHINA
from app.services.people.entry import PersonEntry
from app.services.suggestions import records


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """The person's 合理化建议 records for their console page, newest first."""
    found = []
    for suggestion in await records.of_person(session, person_id=person_id):
        state = records.status_label(suggestion.status)
        if suggestion.award:
            state += f" · {suggestion.award}"
        found.append(
            PersonEntry(
                kind="合理化建议",
                title=f"{suggestion.number} {records.title_of(suggestion)}",
                path=f"/admin/suggestions/{suggestion.id}",
                state=state,
                on=suggestion.submitted_at.astimezone(CHINA).date(),
            )
        )
    return found


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own 合理化建议 on 我的记录 (one line each)."""
    low = datetime.combine(date(year, 1, 1), time(), CHINA)
    high = datetime.combine(date(year + 1, 1, 1), time(), CHINA)
    statement = select(func.count(), func.count(col(Suggestion.adopted_at))).where(
        Suggestion.person_id == person_id,
        col(Suggestion.submitted_at) >= low,
        col(Suggestion.submitted_at) < high,
    )
    made, adopted = (await session.exec(statement)).one()
    if not made:
        return []
    line = f"今年提出合理化建议 {made} 条，采纳 {adopted} 条"
    golden = await session.exec(
        select(func.count()).where(
            Suggestion.person_id == person_id,
            Suggestion.status == SuggestionStatus.GOLDEN.value,
            col(Suggestion.awarded_at) >= low,
            col(Suggestion.awarded_at) < high,
        )
    )
    if (count := int(golden.one())) > 0:
        line += f"，其中 {count} 条评为金点子"
    return [line + "。"]
