"""A broadcast's life: which are due, start, pause (quota, quiet hours), finish, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    Broadcast,
    BroadcastBatch,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientStatus,
)
from app.services.broadcasts.workers import RECEIPTED

ACTIVE = (BroadcastStatus.READY.value, BroadcastStatus.SENDING.value, BroadcastStatus.PAUSED.value)


async def due(
    session: AsyncSession, *, now: datetime, broadcast_id: int | None = None
) -> list[int]:
    """Broadcasts with work to do now: ready or sending, or paused past their pause."""
    statement = select(Broadcast.id).where(
        col(Broadcast.status).in_(ACTIVE),
        or_(col(Broadcast.not_before).is_(None), col(Broadcast.not_before) <= now),
        or_(col(Broadcast.paused_until).is_(None), col(Broadcast.paused_until) <= now),
    )
    if broadcast_id is not None:
        statement = statement.where(Broadcast.id == broadcast_id)
    return [int(i) for i in (await session.exec(statement.order_by(col(Broadcast.id)))).all() if i]


async def anything_to_do(
    session: AsyncSession,
    *,
    now: datetime,
    grace: timedelta,
    broadcast_id: int | None = None,
) -> bool:
    """Whether a sender has work: a due broadcast, rows left `sending` (perhaps by a dead
    sender), or in-doubt template rows whose receipt grace has run out."""
    if await due(session, now=now, broadcast_id=broadcast_id):
        return True
    unsettled = await session.exec(
        select(BroadcastRecipient.id)
        .where(
            or_(
                col(BroadcastRecipient.status) == RecipientStatus.SENDING.value,
                and_(
                    col(BroadcastRecipient.status) == RecipientStatus.UNKNOWN.value,
                    col(BroadcastRecipient.channel).in_(RECEIPTED),
                    col(BroadcastRecipient.in_doubt_since) <= now - grace,
                ),
            )
        )
        .limit(1)
    )
    return unsettled.first() is not None


async def pause(session: AsyncSession, *, broadcast_id: int, until: datetime, reason: str) -> None:
    """Stop sending until `until` (a quota ran out); nothing pending is dropped."""
    await execute(
        session,
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status).in_(ACTIVE))
        .values(status=BroadcastStatus.PAUSED.value, paused_until=until, pause_reason=reason),
    )


async def start(session: AsyncSession, *, broadcast_id: int, now: datetime) -> bool:
    """Mark an active broadcast as sending; False when it was cancelled or finished meanwhile."""
    result = await execute(
        session,
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status).in_(ACTIVE))
        .values(
            status=BroadcastStatus.SENDING.value,
            started_at=func.coalesce(col(Broadcast.started_at), now),
            paused_until=None,
            pause_reason=None,
        ),
    )
    return bool(result.rowcount)


async def finish_if_settled(session: AsyncSession, *, broadcast_id: int, now: datetime) -> bool:
    """Mark the broadcast done when no row is pending or being sent; True when it is done."""
    open_rows = (
        await session.exec(
            select(func.count()).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                col(BroadcastRecipient.status).in_(
                    [RecipientStatus.PENDING.value, RecipientStatus.SENDING.value]
                ),
            )
        )
    ).one()
    if open_rows:
        return False
    await execute(
        session,
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status).in_([BroadcastStatus.READY.value, BroadcastStatus.SENDING.value]),
        )
        .values(status=BroadcastStatus.DONE.value, finished_at=now),
    )
    return True


async def cancel(session: AsyncSession, *, broadcast_id: int, now: datetime, by: str) -> int:
    """Stop what has not been sent: pending rows become cancelled; return how many."""
    await execute(
        session,
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status).in_(ACTIVE))
        .values(status=BroadcastStatus.CANCELLED.value, cancelled_at=now, cancelled_by=by),
    )
    result = await execute(
        session,
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.broadcast_id) == broadcast_id,
            col(BroadcastRecipient.status) == RecipientStatus.PENDING.value,
        )
        .values(status=RecipientStatus.CANCELLED.value, reason="管理员取消了发送"),
    )
    await execute(
        session,
        update(BroadcastBatch)
        .where(
            col(BroadcastBatch.broadcast_id) == broadcast_id,
            col(BroadcastBatch.status) == RecipientStatus.PENDING.value,
        )
        .values(status=RecipientStatus.CANCELLED.value),
    )
    return int(result.rowcount)
