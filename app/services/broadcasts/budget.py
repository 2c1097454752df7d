"""The push budget (减负): at most PUSH_BUDGET_PER_MONTH non-urgent pushes per member per China
calendar month, all features together; beyond it a notice is merged into the weekly digest.

What counts: every row of the month's broadcasts (by creation time, China month) that reaches
or is on its way to the member's phone — pending, sending, sent or in doubt — whatever the
feature: notices, newsletters (a mass send cannot be merged, so it always goes and counts) and
the digest itself (it goes even over the budget, as one push). Urgent broadcasts are counted
apart and never merged. Rows that failed, were cancelled or could not reach anyone do not count.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import Broadcast, BroadcastRecipient, RecipientStatus
from app.models.types import CHINA

COUNTED = (
    RecipientStatus.PENDING.value,
    RecipientStatus.SENDING.value,
    RecipientStatus.SENT.value,
    RecipientStatus.UNKNOWN.value,
)
# pg_advisory_xact_lock(class, id): this class is the budget's, the id the member's (0: all).
LOCK_CLASS = 7021
# A notice to more people than this takes the one lock over every budget instead of a lock per
# member: PostgreSQL's lock table holds about 64 locks per connection, shared by the server.
PER_MEMBER_LOCKS_MAX = 256
_ALL_SHARED = text("SELECT pg_advisory_xact_lock_shared(:cls, 0)")
_ALL = text("SELECT pg_advisory_xact_lock(:cls, 0)")
_LOCK = text(
    "SELECT count(pg_advisory_xact_lock(:cls, pid)) "
    "FROM (SELECT unnest(CAST(:ids AS integer[])) AS pid ORDER BY 1) AS members"
)

# Text, not update(Person): a Core update would also set the columns' onupdate values.
_SQLITE_LOCK = text("UPDATE person SET id = id WHERE id = :id")


def merged_reason(budget: int) -> str:
    """Why a row was merged, as the console shows it."""
    return f"本月推送已达 {budget} 条，并入每周汇总"


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The China calendar month `now` falls in: its first moment and the next month's."""
    local = now.astimezone(CHINA)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


async def lock_members(session: AsyncSession, *, person_ids: Collection[int]) -> None:
    """Hold each member's budget lock until the transaction ends: on PostgreSQL an advisory
    lock per member (in ascending id order, so two notices to overlapping people cannot
    deadlock) under a shared lock over all budgets, or for a notice to many people that one
    lock exclusively; SQLite has one writer at a time, so a write that changes nothing takes the
    database's write lock now, before the count is read, rather than at the first insert."""
    bind = session.bind
    if not person_ids or bind is None:
        return
    ids = sorted(set(person_ids))
    if bind.dialect.name == "postgresql":
        if len(ids) > PER_MEMBER_LOCKS_MAX:  # everyone's budget at once: waits for the others
            await execute(session, _ALL, {"cls": LOCK_CLASS})
            return
        await execute(session, _ALL_SHARED, {"cls": LOCK_CLASS})
        await execute(session, _LOCK, {"cls": LOCK_CLASS, "ids": ids})
    else:
        await execute(session, _SQLITE_LOCK, {"id": ids[0]})


async def counts(
    session: AsyncSession, *, person_ids: Collection[int], now: datetime, urgent: bool = False
) -> dict[int, int]:
    """Pushes counted this month per member: the non-urgent ones (or, `urgent`, the urgent)."""
    if not person_ids:
        return {}
    start, end = month_bounds(now)
    rows = await session.exec(
        select(BroadcastRecipient.person_id, func.count())
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .where(
            col(BroadcastRecipient.person_id).in_(sorted(set(person_ids))),
            col(BroadcastRecipient.status).in_(COUNTED),
            col(Broadcast.urgent).is_(urgent),
            col(Broadcast.created_at) >= start,
            col(Broadcast.created_at) < end,
        )
        .group_by(col(BroadcastRecipient.person_id))
    )
    return {int(pid): int(n) for pid, n in rows.all()}


async def over_budget(
    session: AsyncSession, *, person_ids: Collection[int], budget: int, now: datetime
) -> set[int]:
    """Lock the members' budgets, then say who has used the month's up: their notice is merged.

    The lock is held until the caller's transaction commits its rows, so two notices to the
    same member created at once are counted one after the other."""
    await lock_members(session, person_ids=person_ids)
    used = await counts(session, person_ids=person_ids, now=now)
    return {pid for pid, n in used.items() if n >= budget}
