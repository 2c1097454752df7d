"""Sender processes: who is alive, and what becomes of the rows a dead one had claimed."""

from __future__ import annotations

import hashlib
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    Broadcast,
    BroadcastBatch,
    BroadcastRecipient,
    BroadcastStatus,
    BroadcastWorker,
    Channel,
    RecipientStatus,
)
from app.services.broadcasts.receipts import CONFIRMED

# A worker that has not beaten its heart for this long is dead, whatever else we know.
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
IN_DOUBT = "发送进程中断，结果待微信回执确认"
RESENT = "未收到微信回执，已重新发送"
# Channels whose acceptance WeChat confirms with a receipt event: silence means "not sent".
RECEIPTED = (Channel.TEMPLATE.value,)


def lock_key(worker_id: str) -> int:
    """The PostgreSQL advisory-lock key a worker holds while it lives."""
    digest = hashlib.blake2b(worker_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def register(session: AsyncSession, *, worker_id: str, now: datetime) -> BroadcastWorker:
    """Record a new sender process."""
    worker = BroadcastWorker(
        id=worker_id,
        hostname=socket.gethostname(),
        pid=os.getpid(),
        started_at=now,
        heartbeat_at=now,
    )
    session.add(worker)
    await session.flush()
    return worker


async def heartbeat(session: AsyncSession, *, worker_id: str, now: datetime) -> None:
    """Tell the others this worker is alive."""
    await execute(
        session,
        update(BroadcastWorker)
        .where(col(BroadcastWorker.id) == worker_id)
        .values(heartbeat_at=now),
    )


async def stopped(session: AsyncSession, *, worker_id: str, now: datetime) -> None:
    """Record a clean exit: nothing it claimed is in flight any more."""
    await execute(
        session,
        update(BroadcastWorker).where(col(BroadcastWorker.id) == worker_id).values(stopped_at=now),
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _is_dead(session: AsyncSession, worker: BroadcastWorker, now: datetime) -> bool:
    if worker.stopped_at is not None:
        return True
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        # A live worker holds its advisory lock on an open connection; SIGKILL drops both.
        key = lock_key(worker.id)
        got = (await execute(session, text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        if got:
            await execute(session, text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return bool(got)
    if worker.hostname == socket.gethostname():
        # SQLite is one machine's database: the process table answers.
        return not _pid_alive(worker.pid)
    return now - worker.heartbeat_at > HEARTBEAT_TIMEOUT


async def dead_workers(session: AsyncSession, *, now: datetime, exclude: str | None) -> list[str]:
    """Workers that claimed rows and are gone."""
    claimers = set(
        (
            await session.exec(
                select(BroadcastRecipient.claimed_by)
                .where(BroadcastRecipient.status == RecipientStatus.SENDING.value)
                .distinct()
            )
        ).all()
    ) | set(
        (
            await session.exec(
                select(BroadcastBatch.claimed_by)
                .where(BroadcastBatch.status == RecipientStatus.SENDING.value)
                .distinct()
            )
        ).all()
    )
    claimers.discard(None)
    claimers.discard(exclude)
    dead: list[str] = []
    for worker_id in sorted(c for c in claimers if c):
        worker = await session.get(BroadcastWorker, worker_id)
        if worker is None or await _is_dead(session, worker, now):
            dead.append(worker_id)
    return dead


async def reconcile(
    session: AsyncSession, *, now: datetime, grace: timedelta, exclude: str | None = None
) -> dict[str, int]:
    """Settle what dead senders left behind, and resend in-doubt rows WeChat never confirmed.

    A row a dead sender was sending may or may not have reached WeChat. It becomes UNKNOWN, not
    pending: sending it again could make a second message. WeChat confirms every template
    message it accepted with TEMPLATESENDJOBFINISH (see receipts); an UNKNOWN template row with
    no receipt after `grace` was therefore never accepted, and only then is it sent again.
    Mass batches carry a clientmsgid WeChat de-duplicates, so they are simply sent again.
    """
    dead = await dead_workers(session, now=now, exclude=exclude)
    # Finished senders are history only after a day (their ids stay on the rows they sent).
    await execute(
        session,
        delete(BroadcastWorker).where(col(BroadcastWorker.stopped_at) < now - timedelta(days=1)),
    )
    in_doubt = requeued = batches = 0
    if dead:
        result = await execute(
            session,
            update(BroadcastRecipient)
            .where(
                col(BroadcastRecipient.status) == RecipientStatus.SENDING.value,
                col(BroadcastRecipient.claimed_by).in_(dead),
            )
            .values(status=RecipientStatus.UNKNOWN.value, in_doubt_since=now, reason=IN_DOUBT),
        )
        in_doubt = int(result.rowcount)
        result = await execute(
            session,
            update(BroadcastBatch)
            .where(
                col(BroadcastBatch.status) == RecipientStatus.SENDING.value,
                col(BroadcastBatch.claimed_by).in_(dead),
            )
            .values(status=RecipientStatus.PENDING.value, claimed_by=None),
        )
        batches = int(result.rowcount)
    # A receipt that came while the row was still `sending` proves WeChat accepted it.
    await execute(
        session,
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.status) == RecipientStatus.UNKNOWN.value,
            col(BroadcastRecipient.receipt) == "success",
        )
        .values(
            status=RecipientStatus.SENT.value,
            reason=CONFIRMED,
            sent_at=func.coalesce(col(BroadcastRecipient.claimed_at), now),
            in_doubt_since=None,
        ),
    )
    unconfirmed = (
        col(BroadcastRecipient.status) == RecipientStatus.UNKNOWN.value,
        col(BroadcastRecipient.channel).in_(RECEIPTED),
        col(BroadcastRecipient.receipt).is_(None),
        col(BroadcastRecipient.in_doubt_since) <= now - grace,
    )
    reopened = set(
        (await session.exec(select(BroadcastRecipient.broadcast_id).where(*unconfirmed))).all()
    )
    result = await execute(
        session,
        update(BroadcastRecipient)
        .where(*unconfirmed)
        .values(
            status=RecipientStatus.PENDING.value,
            reason=RESENT,
            in_doubt_since=None,
            claimed_by=None,
            next_attempt_at=None,
        ),
    )
    if reopened:
        # A finished broadcast has work again: the sender only looks at active ones.
        await execute(
            session,
            update(Broadcast)
            .where(
                col(Broadcast.id).in_(reopened),
                col(Broadcast.status) == BroadcastStatus.DONE.value,
            )
            .values(status=BroadcastStatus.SENDING.value, finished_at=None),
        )
    requeued = int(result.rowcount)
    return {"in_doubt": in_doubt, "requeued": requeued, "batches": batches, "dead": len(dead)}
