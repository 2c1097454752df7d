"""Mass-send batches: up to 10,000 openids per request, each with its own clientmsgid."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import BroadcastBatch, BroadcastRecipient, Channel, RecipientStatus

MASS_BATCH_MAX = 10_000  # openids per mass/send request


async def make_batches(session: AsyncSession, *, broadcast_id: int) -> None:
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
