"""The scheduler's record: each (job, due time) claimed once, then finished with an outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import JobOutcome, JobRun

DETAIL_MAX = 4000


async def claim(
    session: AsyncSession,
    *,
    job: str,
    due_at: datetime,
    now: datetime,
    trigger: str,
    runner: str,
) -> JobRun | None:
    """Record the run as started; None when this (job, due time) was claimed already."""
    run = JobRun(job=job, due_at=due_at, started_at=now, trigger=trigger, runner=runner)
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        return None
    return run


async def finish(
    session: AsyncSession,
    *,
    run_id: int,
    outcome: JobOutcome,
    detail: str | None,
    now: datetime,
) -> None:
    """Store how the run ended."""
    run = await session.get(JobRun, run_id)
    if run is None:
        return
    run.outcome = outcome.value
    run.detail = detail[:DETAIL_MAX] if detail else None
    run.finished_at = now
    session.add(run)


async def recent(
    session: AsyncSession,
    *,
    job: str | None = None,
    include_idle: bool = False,
    limit: int = 100,
) -> list[JobRun]:
    """The newest runs, optionally of one job; runs that found nothing to do are left out."""
    statement = select(JobRun).order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
    if job is not None:
        statement = statement.where(JobRun.job == job)
    if not include_idle:
        statement = statement.where(JobRun.outcome != JobOutcome.IDLE.value)
    return list((await session.exec(statement.limit(limit))).all())


async def last_runs(session: AsyncSession, *, jobs: Sequence[str]) -> dict[str, JobRun]:
    """Each job's latest run (idle ones included)."""
    latest = (
        select(JobRun.job, func.max(JobRun.id).label("id"))
        .where(col(JobRun.job).in_(list(jobs)))
        .group_by(col(JobRun.job))
        .subquery()
    )
    statement = select(JobRun).join(latest, col(JobRun.id) == latest.c.id)
    return {run.job: run for run in (await session.exec(statement)).all()}


async def prune_idle(session: AsyncSession, *, older_than: timedelta, now: datetime) -> int:
    """Forget runs that did nothing, once they are old; runs with effects or errors stay."""
    result = await session.exec(
        delete(JobRun).where(
            col(JobRun.outcome) == JobOutcome.IDLE.value, col(JobRun.started_at) < now - older_than
        )
    )
    return int(result.rowcount or 0)
