"""A person's suggestions, reflections, volunteer service and contributions, in one list.

Each of those features answers for itself (`services/<feature>/person.py`); the person's
console page shows them together, and 我的记录 shows the member their own lines.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.contributions import person as contributions
from app.services.people.entry import PersonEntry
from app.services.reflections import person as reflections
from app.services.suggestions import person as suggestions
from app.services.volunteering import person as volunteering

FEATURES = (suggestions, reflections, volunteering, contributions)


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """Every feature's records of the person, each feature's newest first."""
    found: list[PersonEntry] = []
    for feature in FEATURES:
        found += await feature.entries(session, person_id=person_id)
    return found


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own records this year, one line per fact."""
    lines: list[str] = []
    for feature in FEATURES:
        lines += await feature.member_lines(session, person_id=person_id, year=year)
    return lines
