"""Demo 志愿服务 for `make run`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


async def seed_volunteering(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 志愿服务 unless there are some; return how many rows were created."""
    return 0
