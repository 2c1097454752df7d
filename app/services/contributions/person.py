"""岗位建功 on a person's console page and on the member's own 我的记录."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.people.entry import PersonEntry


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """The person's 岗位建功 records for their console page, newest first."""
    return []


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own 岗位建功 on 我的记录 (one line each)."""
    return []
