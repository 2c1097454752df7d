"""Demo 岗位建功 for `make run`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


async def seed_contributions(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 岗位建功 unless there are some; return how many rows were created."""
    return 0
