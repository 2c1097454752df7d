"""A broadcast's rows: created before the first send, claimed by senders, given one outcome each."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    Broadcast,
    BroadcastRecipient,
    Channel,
    RecipientStatus,
)
from app.services.broadcasts import batches as batch_service
from app.services.broadcasts.reach import Reach

_R = BroadcastRecipient.__table__.c  # type: ignore[attr-defined]


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
    urgent: bool = False,
    merged: Collection[int] = (),
    merged_reason: str | None = None,
) -> Broadcast:
    """Store a broadcast and one row per person, before anything is sent.

    People in `merged` (over the push budget) get a `merged` row, never sent, unless no channel
    reaches them anyway. Raises DuplicateBroadcast when the key exists (a second scheduler, a
    double click).
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
        urgent=urgent,
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
            "status": _first_status(r, merged).value,
            "reason": merged_reason if r.channel and r.person_id in merged else r.reason,
            "attempts": 0,
        }
        for r in reach
    ]
    if rows:
        await execute(session, BroadcastRecipient.__table__.insert(), rows)  # type: ignore[attr-defined]
    await batch_service.make_batches(session, broadcast_id=broadcast.id)
    return broadcast


def _first_status(reach: Reach, merged: Collection[int]) -> RecipientStatus:
    """A new row's status: unreachable, merged (over the push budget) or pending."""
    if reach.channel is None:
        return RecipientStatus.UNREACHABLE
    return RecipientStatus.MERGED if reach.person_id in merged else RecipientStatus.PENDING


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row taken for sending: just what the sender needs (no ORM object per message)."""

    id: int
    openid: str | None
    channel: str | None
    attempts: int


# One statement, built once: a claim costs a broadcast sender more CPU building and compiling
# its SQL than PostgreSQL spends running it. The pick is a MATERIALIZED CTE, evaluated exactly
# once: as a plain subquery PostgreSQL may rescan it and update more rows than the limit
# (seen: 80 claimed for 6). The UPDATE re-checks `pending` (SQLite has no row locks).
_PICK = (
    select(_R.id)
    .where(
        _R.broadcast_id == bindparam("of_broadcast"),
        _R.status == RecipientStatus.PENDING.value,
        _R.batch_id.is_(None),
        or_(_R.next_attempt_at.is_(None), _R.next_attempt_at <= bindparam("now")),
    )
    .order_by(_R.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
    .cte("picked")
    .prefix_with("MATERIALIZED", dialect="postgresql")
)
_CLAIM = (
    update(BroadcastRecipient.__table__)  # type: ignore[attr-defined]
    .where(_R.id == _PICK.c.id, _R.status == RecipientStatus.PENDING.value)
    .values(
        status=RecipientStatus.SENDING.value,
        claimed_by=bindparam("worker"),
        claimed_at=bindparam("now"),
    )
    .returning(_R.id, _R.openid, _R.channel, _R.attempts)
)


async def claim(
    session: AsyncSession, *, broadcast_id: int, worker: str, limit: int, now: datetime
) -> list[Claimed]:
    """Take up to `limit` pending per-person rows for this worker (SKIP LOCKED on PostgreSQL).

    Mass rows are sent by batch (claim_batch); only pending rows whose retry time has come
    are taken, and a row taken here is never taken again unless reconciled back to pending.
    """
    params = {"of_broadcast": broadcast_id, "worker": worker, "limit": limit, "now": now}
    result = await execute(session, _CLAIM, params)
    return sorted(
        (Claimed(r.id, r.openid, r.channel, r.attempts) for r in result), key=lambda c: c.id
    )


async def unknown_claims(
    session: AsyncSession, *, broadcast_id: int, worker: str, known: Collection[int]
) -> list[Claimed]:
    """Rows this worker holds `sending` but has no request for: a claim that committed while
    its answer was cut by a database blip. Nothing was sent for them, so they are safe to send."""
    result = await execute(
        session,
        select(_R.id, _R.openid, _R.channel, _R.attempts)
        .where(
            _R.broadcast_id == broadcast_id,
            _R.status == RecipientStatus.SENDING.value,
            _R.claimed_by == worker,
            _R.batch_id.is_(None),
            _R.id.not_in(list(known)),
        )
        .order_by(_R.id),
    )
    return [Claimed(r.id, r.openid, r.channel, r.attempts) for r in result]


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


def retry_delay(attempts: int, *, base: float = 2.0, cap: float = 300.0) -> timedelta:
    """Exponential backoff between a row's attempts (2 s, 4 s, 8 s, … up to 5 minutes)."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
