"""Demo 合理化建议 for `make run`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


async def seed_suggestions(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 合理化建议 unless there are some; return how many rows were created."""
    return 0
