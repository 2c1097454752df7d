"""A broadcast's life: which are due, start, pause (quota, quiet hours, receipts), resume,
finish, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, true, update
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
from app.models.broadcasts import PauseKind
from app.models.types import CHINA
from app.services.broadcasts.workers import RECEIPTED
from app.timing import QuietHours

ACTIVE = (BroadcastStatus.READY.value, BroadcastStatus.SENDING.value, BroadcastStatus.PAUSED.value)


def quiet_until(
    broadcast: Broadcast, quiet_hours: QuietHours | None, now: datetime
) -> datetime | None:
    """The end of the quiet hours `now` falls in, when they hold this broadcast back."""
    if quiet_hours is None or broadcast.ignore_quiet or broadcast.message.get("urgent"):
        return None
    return quiet_hours.until(now)


def quiet_reason(quiet_hours: QuietHours, until: datetime) -> str:
    """Why and until when a broadcast waits for the quiet hours to end (the time said once)."""
    return f"免打扰时段（{quiet_hours.label}），{until.astimezone(CHINA):%m-%d %H:%M} 自动继续"


def _pause_over(now: datetime, quiet_now: bool) -> ColumnElement[bool]:
    """A pause is over at its time; a quiet-hours pause also as soon as the quiet hours, as
    configured now (they may have changed, or been switched off, since), no longer apply."""
    quiet_pause = col(Broadcast.pause_kind) == PauseKind.QUIET.value
    over: list[ColumnElement[bool]] = [
        col(Broadcast.paused_until).is_(None),
        col(Broadcast.paused_until) <= now,
        and_(quiet_pause, col(Broadcast.ignore_quiet) == true()),
    ]
    if not quiet_now:
        over.append(quiet_pause)
    return or_(*over)


async def due(
    session: AsyncSession,
    *,
    now: datetime,
    broadcast_id: int | None = None,
    quiet_now: bool = False,
) -> list[int]:
    """Broadcasts with work to do now: ready or sending, or paused past their pause.

    `quiet_now`: whether the quiet hours of the current settings apply at `now`."""
    statement = select(Broadcast.id).where(
        col(Broadcast.status).in_(ACTIVE),
        or_(col(Broadcast.not_before).is_(None), col(Broadcast.not_before) <= now),
        _pause_over(now, quiet_now),
    )
    if broadcast_id is not None:
        statement = statement.where(Broadcast.id == broadcast_id)
    return [int(i) for i in (await session.exec(statement.order_by(col(Broadcast.id)))).all() if i]


async def waiting(session: AsyncSession) -> list[Broadcast]:
    """Unfinished broadcasts that wait for something (quota, quiet hours, receipts), oldest
    first: each says in pause_reason why, and until when."""
    result = await session.exec(
        select(Broadcast)
        .where(col(Broadcast.status).in_(ACTIVE), col(Broadcast.pause_reason).is_not(None))
        .order_by(col(Broadcast.id))
    )
    return list(result.all())


async def anything_to_do(
    session: AsyncSession,
    *,
    now: datetime,
    grace: timedelta,
    broadcast_id: int | None = None,
    quiet_now: bool = False,
) -> bool:
    """Whether a sender has work: a due broadcast, rows left `sending` (perhaps by a dead
    sender), or in-doubt template rows whose receipt grace has run out."""
    if await due(session, now=now, broadcast_id=broadcast_id, quiet_now=quiet_now):
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


async def pause(
    session: AsyncSession,
    *,
    broadcast_id: int,
    until: datetime,
    reason: str,
    kind: PauseKind = PauseKind.QUOTA,
) -> None:
    """Stop sending until `until` (a quota ran out, quiet hours); nothing pending is dropped."""
    await execute(
        session,
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status).in_(ACTIVE))
        .values(
            status=BroadcastStatus.PAUSED.value,
            paused_until=until,
            pause_reason=reason,
            pause_kind=kind.value,
        ),
    )


async def resume(session: AsyncSession, *, broadcast_id: int, ignore_quiet: bool) -> bool:
    """继续发送 a paused broadcast now (quiet hours still apply unless `ignore_quiet`);
    False when it is not paused any more."""
    values: dict[str, object] = {
        "status": BroadcastStatus.SENDING.value,
        "paused_until": None,
        "pause_reason": None,
        "pause_kind": None,
    }
    if ignore_quiet:
        values["ignore_quiet"] = True
    result = await execute(
        session,
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status) == BroadcastStatus.PAUSED.value,
        )
        .values(**values),
    )
    return bool(result.rowcount)


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
            pause_kind=None,
        ),
    )
    return bool(result.rowcount)


async def finish_if_settled(
    session: AsyncSession, *, broadcast_id: int, now: datetime, grace: timedelta
) -> bool:
    """Mark the broadcast done when no row is pending, being sent or awaiting WeChat's receipt;
    True when it is done.

    Rows in doubt on a channel WeChat confirms (template messages) are settled by the receipt,
    or sent again once `grace` has passed without one: until then the broadcast is not done, and
    waits (still 发送中) until the last of them is due, so the scheduler finishes it.
    """
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
    doubt_count, doubt_since = (
        await session.exec(
            select(func.count(), func.max(BroadcastRecipient.in_doubt_since)).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                col(BroadcastRecipient.status) == RecipientStatus.UNKNOWN.value,
                col(BroadcastRecipient.channel).in_(RECEIPTED),
            )
        )
    ).one()
    if doubt_count:
        until = (doubt_since or now) + grace
        reason = (
            f"{doubt_count} 人结果待确认：等待微信回执，"
            f"{until.astimezone(CHINA):%m-%d %H:%M:%S} 仍未确认的自动重新发送"
        )
        await execute(
            session,
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status).in_(ACTIVE))
            .values(
                status=BroadcastStatus.SENDING.value,
                paused_until=until,
                pause_reason=reason,
                pause_kind=PauseKind.RECEIPTS.value,
            ),
        )
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
