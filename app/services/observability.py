"""What /metrics reports from the database: broadcasts at work, the scheduler, deferred replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    InboundMessage,
    InboundStatus,
)
from app.services import job_runs, leases

# Broadcasts still at work; finished and cancelled ones are history, not load.
ACTIVE = (BroadcastStatus.READY.value, BroadcastStatus.SENDING.value, BroadcastStatus.PAUSED.value)
# A deferred reply is overdue after this; older than the window it is left to the sweeper's
# report (the query stays on the received_at index instead of the whole message history).
DEFERRED_AFTER = timedelta(minutes=1)
DEFERRED_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class LastRun:
    """A job's latest run: when it was due, when it started, how it ended."""

    due_at: datetime
    started_at: datetime
    outcome: str


@dataclass(frozen=True)
class StateSnapshot:
    """One reading of the database for /metrics."""

    # (kind, broadcast status, recipient status) → recipients, over broadcasts still at work.
    recipients: dict[tuple[str, str, str], int] = field(default_factory=dict)
    last_runs: dict[str, LastRun] = field(default_factory=dict)
    leader: str | None = None
    deferred_overdue: int = 0


async def snapshot(
    session: AsyncSession, *, jobs: Sequence[str], lease: str, now: datetime
) -> StateSnapshot:
    """Read the state /metrics exports: four small queries, none over finished history."""
    broadcasts, rows_ = Broadcast.__table__, BroadcastRecipient.__table__  # type: ignore[attr-defined]
    b, r = broadcasts.c, rows_.c
    grouped = (
        select(b.kind, b.status, r.status, func.count())
        .select_from(broadcasts.join(rows_, r.broadcast_id == b.id))
        .where(b.status.in_(ACTIVE))
        .group_by(b.kind, b.status, r.status)
    )
    rows: list[Any] = list((await execute(session, grouped)).all())
    recipients = {(str(row[0]), str(row[1]), str(row[2])): int(row[3]) for row in rows}
    runs = await job_runs.last_runs(session, jobs=jobs)
    deferred = select(func.count()).where(
        and_(
            col(InboundMessage.status) == InboundStatus.DEFERRED.value,
            col(InboundMessage.received_at) < now - DEFERRED_AFTER,
            col(InboundMessage.received_at) > now - DEFERRED_WINDOW,
        )
    )
    overdue = int((await execute(session, deferred)).scalar_one())
    return StateSnapshot(
        recipients=recipients,
        last_runs={
            job: LastRun(run.due_at, run.started_at, run.outcome) for job, run in runs.items()
        },
        leader=await leases.holder_of(session, name=lease, now=now),
        deferred_overdue=overdue,
    )
