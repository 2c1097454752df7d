"""Renewable leases on a database row: who holds a role (the scheduler) until when."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import WeChatLease

# The table was made for the token's single-flight lock; any cross-process lease fits it.
_leases = WeChatLease.__table__  # type: ignore[attr-defined]


async def hold(
    session: AsyncSession, *, name: str, holder: str, ttl: timedelta, now: datetime
) -> bool:
    """Take the lease if it is free, ran out, or is ours already (renewing it)."""
    c = _leases.c
    values = {"holder": holder, "until": now + ttl}
    takeable = or_(c.until.is_(None), c.until < now, c.holder == holder)
    result = await execute(
        session, update(_leases).where(and_(c.name == name, takeable)).values(values)
    )
    if result.rowcount:
        return True
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_leases).values(name=name, **values).on_conflict_do_nothing()
    return bool((await execute(session, stmt)).rowcount)


async def release(session: AsyncSession, *, name: str, holder: str) -> None:
    """Give the lease up, if it is still ours."""
    c = _leases.c
    await execute(
        session,
        update(_leases).where(c.name == name, c.holder == holder).values(holder=None, until=None),
    )


async def holder_of(session: AsyncSession, *, name: str, now: datetime) -> str | None:
    """Who holds the lease now (None: nobody, or it ran out)."""
    row = await session.get(WeChatLease, name)
    if row is None or row.until is None or row.until < now:
        return None
    return row.holder
