"""Demo 三亮三挂三考核 for `make run`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


async def seed_assessments(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 三亮三挂三考核 unless there is some; return how many rows were created."""
    return 0
