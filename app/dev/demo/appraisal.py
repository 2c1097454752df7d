"""Demo 民主评议党员 for `make run`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


async def seed_appraisal(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 民主评议党员 unless there is some; return how many rows were created."""
    return 0
