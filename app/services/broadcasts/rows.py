"""A broadcast's rows: created before the first send, claimed by senders, given one outcome each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Broadcast,
    BroadcastBatch,
    BroadcastRecipient,
    BroadcastStatus,
    Channel,
    RecipientStatus,
)
from app.services.broadcasts.reach import Reach

MASS_BATCH_MAX = 10_000  # openids per mass/send request
ACTIVE = (BroadcastStatus.READY.value, BroadcastStatus.SENDING.value, BroadcastStatus.PAUSED.value)
_R = BroadcastRecipient.__table__.c  # type: ignore[attr-defined]


async def execute(
    session: AsyncSession, statement: Executable, parameters: Any = None
) -> CursorResult[Any]:
    """Run a Core statement on the session's connection, inside its transaction."""
    return await (await session.connection()).execute(statement, parameters)


class DuplicateBroadcast(Exception):
    """A broadcast with this key exists already: the obligation was taken care of."""

    def __init__(self, existing: Broadcast) -> None:
        super().__init__(existing.key)
        self.existing = existing


async def get(session: AsyncSession, *, broadcast_id: int) -> Broadcast | None:
    """The broadcast with this id."""
    return await session.get(Broadcast, broadcast_id)


async def get_by_key(session: AsyncSession, *, key: str) -> Broadcast | None:
    """The broadcast that fulfils this obligation, if one was created."""
    return (await session.exec(select(Broadcast).where(Broadcast.key == key))).first()


async def create(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    title: str,
    message: dict[str, Any],
    channels: Sequence[Channel],
    reach: Sequence[Reach],
    now: datetime,
    created_by: str | None = None,
    subject: tuple[str, int] | None = None,
    not_before: datetime | None = None,
) -> Broadcast:
    """Store a broadcast and one row per person, before anything is sent.

    Raises DuplicateBroadcast when the key exists (a second scheduler, a double click).
    """
    if (existing := await get_by_key(session, key=key)) is not None:
        raise DuplicateBroadcast(existing)
    broadcast = Broadcast(
        key=key,
        kind=kind,
        title=title,
        message=message,
        channels=[c.value for c in channels],
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        total=len(reach),
        created_by=created_by,
        created_at=now,
        not_before=not_before,
    )
    session.add(broadcast)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        # The same key committed by someone else between our check and our insert.
        existing = await get_by_key(session, key=key)
        if existing is None:
            raise
        raise DuplicateBroadcast(existing) from None
    assert broadcast.id is not None
    rows = [
        {
            "broadcast_id": broadcast.id,
            "person_id": r.person_id,
            "openid": r.openid,
            "channel": r.channel.value if r.channel else None,
            "status": (RecipientStatus.PENDING if r.channel else RecipientStatus.UNREACHABLE).value,
            "reason": r.reason,
            "attempts": 0,
        }
        for r in reach
    ]
    if rows:
        await execute(session, BroadcastRecipient.__table__.insert(), rows)  # type: ignore[attr-defined]
    await _make_batches(session, broadcast.id)
    return broadcast


async def _make_batches(session: AsyncSession, broadcast_id: int) -> None:
    """Group the mass recipients into requests of at most 10,000, each with its clientmsgid."""
    ids = (
        await session.exec(
            select(BroadcastRecipient.id)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.channel == Channel.MASS.value,
            )
            .order_by(col(BroadcastRecipient.id))
        )
    ).all()
    for start in range(0, len(ids), MASS_BATCH_MAX):
        chunk = [i for i in ids[start : start + MASS_BATCH_MAX] if i is not None]
        batch = BroadcastBatch(
            broadcast_id=broadcast_id, clientmsgid=uuid.uuid4().hex, size=len(chunk)
        )
        session.add(batch)
        await session.flush()
        await execute(
            session,
            update(BroadcastRecipient)
            .where(col(BroadcastRecipient.id).in_(chunk))
            .values(batch_id=batch.id),
        )


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
    session: AsyncSession, *, now: datetime, broadcast_id: int | None = None
) -> bool:
    """Whether a sender has work: a due broadcast, or rows left sending or in doubt."""
    if await due(session, now=now, broadcast_id=broadcast_id):
        return True
    unsettled = await session.exec(
        select(BroadcastRecipient.id)
        .where(
            col(BroadcastRecipient.status).in_(
                [RecipientStatus.SENDING.value, RecipientStatus.UNKNOWN.value]
            )
        )
        .limit(1)
    )
    return unsettled.first() is not None


async def claim(
    session: AsyncSession, *, broadcast_id: int, worker: str, limit: int, now: datetime
) -> list[BroadcastRecipient]:
    """Take up to `limit` pending per-person rows for this worker (SKIP LOCKED on PostgreSQL).

    Mass rows are sent by batch (claim_batch); only pending rows whose retry time has come
    are taken, and a row taken here is never taken again unless reconciled back to pending.
    """
    pick = (
        select(BroadcastRecipient.id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == RecipientStatus.PENDING.value,
            col(BroadcastRecipient.batch_id).is_(None),
            or_(
                col(BroadcastRecipient.next_attempt_at).is_(None),
                col(BroadcastRecipient.next_attempt_at) <= now,
            ),
        )
        .order_by(col(BroadcastRecipient.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT … SKIP LOCKED): PostgreSQL may
    # rescan such a subquery and update more rows than the limit (seen: 80 claimed for 6).
    ids = [int(i) for i in (await session.exec(pick)).all() if i is not None]
    if not ids:
        return []
    statement = (
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.id).in_(ids),
            col(BroadcastRecipient.status) == RecipientStatus.PENDING.value,
        )
        .values(status=RecipientStatus.SENDING.value, claimed_by=worker, claimed_at=now)
        .returning(*BroadcastRecipient.__table__.c)  # type: ignore[attr-defined]
    )
    result = await execute(session, statement)
    return sorted((BroadcastRecipient(**row._mapping) for row in result), key=lambda r: r.id or 0)


async def next_due(session: AsyncSession, *, broadcast_id: int, now: datetime) -> datetime | None:
    """When the earliest pending per-person row becomes due (None: nothing is pending)."""
    pending = (
        await session.exec(
            select(BroadcastRecipient.next_attempt_at)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.status == RecipientStatus.PENDING.value,
                col(BroadcastRecipient.batch_id).is_(None),
            )
            .order_by(col(BroadcastRecipient.next_attempt_at).asc().nulls_first())
            .limit(1)
        )
    ).all()
    if not pending:
        return None
    return pending[0] or now


async def claim_batch(
    session: AsyncSession, *, broadcast_id: int, worker: str, now: datetime
) -> tuple[BroadcastBatch, list[str]] | None:
    """Take one pending mass batch and its openids, or None when no batch is waiting."""
    batch = (
        await session.exec(
            select(BroadcastBatch)
            .where(
                BroadcastBatch.broadcast_id == broadcast_id,
                BroadcastBatch.status == RecipientStatus.PENDING.value,
            )
            .order_by(col(BroadcastBatch.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()
    if batch is None:
        return None
    batch.status = RecipientStatus.SENDING.value
    batch.claimed_by, batch.claimed_at = worker, now
    batch.attempts += 1
    await session.flush()
    openids = (
        await session.exec(
            select(BroadcastRecipient.openid)
            .where(
                BroadcastRecipient.batch_id == batch.id,
                BroadcastRecipient.status == RecipientStatus.PENDING.value,
            )
            .order_by(col(BroadcastRecipient.id))
        )
    ).all()
    return batch, [o for o in openids if o]


async def settle_batch(
    session: AsyncSession,
    *,
    batch: BroadcastBatch,
    status: RecipientStatus,
    now: datetime,
    msg_id: int | None = None,
    msg_data_id: int | None = None,
    errcode: int | None = None,
    reason: str | None = None,
) -> None:
    """Record a mass request's outcome on the batch and on each of its pending rows."""
    batch.status = status.value
    batch.msg_id, batch.msg_data_id = msg_id, msg_data_id
    batch.errcode, batch.error = errcode, reason
    batch.sent_at = now if status is RecipientStatus.SENT else None
    session.add(batch)
    await execute(
        session,
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.batch_id) == batch.id,
            col(BroadcastRecipient.status) == RecipientStatus.PENDING.value,
        )
        .values(
            status=status.value,
            msgid=msg_id,
            errcode=errcode,
            reason=reason,
            sent_at=batch.sent_at,
            attempts=batch.attempts,
        ),
    )


async def release_batch(
    session: AsyncSession, *, batch: BroadcastBatch, errcode: int | None, reason: str
) -> None:
    """Put a batch back to pending (quota, transient failure): its clientmsgid stays the same."""
    batch.status = RecipientStatus.PENDING.value
    batch.claimed_by = None
    batch.errcode, batch.error = errcode, reason
    session.add(batch)
    await session.flush()


@dataclass(slots=True)
class Outcome:
    """What happened to one claimed row; written only while the row is still ours."""

    row_id: int
    status: RecipientStatus
    msgid: int | None = None
    errcode: int | None = None
    reason: str | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    in_doubt_since: datetime | None = None
    counts_attempt: bool = True


_OUTCOME = (
    update(BroadcastRecipient.__table__)  # type: ignore[attr-defined]
    .where(
        and_(
            _R.id == bindparam("row_id"),
            # Still ours: `sending`, or put in doubt by a reconcile that thought us dead (an
            # answer we did get settles it). A row requeued or re-claimed since is not ours.
            # (two comparisons, not IN: executemany cannot expand a list)
            or_(
                _R.status == RecipientStatus.SENDING.value,
                _R.status == RecipientStatus.UNKNOWN.value,
            ),
            _R.claimed_by == bindparam("worker"),
        )
    )
    .values(
        status=bindparam("new_status"),
        msgid=func.coalesce(_R.msgid, bindparam("new_msgid")),
        errcode=bindparam("new_errcode"),
        reason=bindparam("new_reason"),
        sent_at=bindparam("new_sent_at"),
        next_attempt_at=bindparam("new_next_attempt_at"),
        in_doubt_since=bindparam("new_in_doubt_since"),
        attempts=_R.attempts + bindparam("attempt_inc"),
    )
)


async def record(session: AsyncSession, *, worker: str, outcomes: Sequence[Outcome]) -> None:
    """Write many outcomes in one statement; rows another party settled meanwhile are skipped."""
    if not outcomes:
        return
    params = [
        {
            "row_id": o.row_id,
            "worker": worker,
            "new_status": o.status.value,
            "new_msgid": o.msgid,
            "new_errcode": o.errcode,
            "new_reason": o.reason,
            "new_sent_at": o.sent_at,
            "new_next_attempt_at": o.next_attempt_at,
            "new_in_doubt_since": o.in_doubt_since,
            "attempt_inc": 1 if o.counts_attempt else 0,
        }
        for o in outcomes
    ]
    await execute(session, _OUTCOME, params)


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


def retry_delay(attempts: int, *, base: float = 2.0, cap: float = 300.0) -> timedelta:
    """Exponential backoff between a row's attempts (2 s, 4 s, 8 s, … up to 5 minutes)."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
