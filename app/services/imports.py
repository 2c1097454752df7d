"""Large imports queued for the background: store the upload, claim it once, record progress.

A file too large to import within a request is stored here; a worker claims it with a
conditional update (exactly one claimant wins), runs the feature's own import in one unit of
work and marks it finished in that same unit of work, so its effect and its "done" commit
together. A claim older than STALE_AFTER belongs to a dead process: the job is claimed again
(its import had rolled back, all or nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import ImportJob, ImportKind, ImportStatus
from app.services import audit

# Progress is written at least this often by a live worker; past it the claim is dead.
STALE_AFTER = timedelta(minutes=10)
FINISHED = (ImportStatus.DONE.value, ImportStatus.FAILED.value)


async def queue(
    session: AsyncSession,
    *,
    kind: ImportKind,
    filename: str,
    data: bytes,
    actor: audit.Actor,
    now: datetime,
    params: dict[str, Any] | None = None,
) -> ImportJob:
    """Store an upload to be imported in the background by whoever asked, within their scope."""
    job = ImportJob(
        kind=kind.value,
        filename=filename[:255],
        content=data,
        params={
            "actor": {
                "id": actor.id,
                "name": actor.name,
                "ip": actor.ip,
                "request_id": actor.request_id,
            },
            **(params or {}),
        },
        requested_by_id=actor.id,
        requested_by=actor.name[:64],
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job


def actor_of(job: ImportJob) -> audit.Actor:
    """The user who uploaded the file, as the actor of the import's audit entries."""
    stored = job.params.get("actor") or {}
    return audit.Actor(
        id=stored.get("id"),
        name=str(stored.get("name") or job.requested_by),
        ip=stored.get("ip"),
        request_id=stored.get("request_id"),
    )


def _claimable(now: datetime) -> Any:
    return or_(
        col(ImportJob.status) == ImportStatus.QUEUED.value,
        (col(ImportJob.status) == ImportStatus.RUNNING.value)
        & (col(ImportJob.claimed_at) < now - STALE_AFTER),
    )


async def claim(session: AsyncSession, *, job_id: int, token: str, now: datetime) -> bool:
    """Take this job for the worker `token`: true for exactly one of several claimants."""
    statement = (
        update(ImportJob)
        .where(col(ImportJob.id) == job_id, _claimable(now))
        .values(
            status=ImportStatus.RUNNING.value,
            claim=token,
            claimed_at=now,
            attempts=col(ImportJob.attempts) + 1,
        )
    )
    return bool((await execute(session, statement)).rowcount)


async def claim_next(session: AsyncSession, *, token: str, now: datetime) -> int | None:
    """The oldest waiting job (or one a dead worker left), claimed for `token`; None if none."""
    statement = select(ImportJob.id).where(_claimable(now)).order_by(col(ImportJob.id)).limit(5)
    for job_id in (await session.exec(statement)).all():
        if job_id is not None and await claim(session, job_id=job_id, token=token, now=now):
            return job_id
    return None


async def progress(
    session: AsyncSession, *, job_id: int, token: str, done: int, total: int, now: datetime
) -> None:
    """Rows done of the total, while the claim is still this worker's (also renews it)."""
    statement = (
        update(ImportJob)
        .where(col(ImportJob.id) == job_id, col(ImportJob.claim) == token)
        .values(rows_done=done, rows_total=total, claimed_at=now)
    )
    await execute(session, statement)


async def finish(
    session: AsyncSession,
    *,
    job_id: int,
    token: str,
    report: dict[str, Any],
    failed: bool,
    now: datetime,
) -> bool:
    """Record the report; false when another worker has taken the job over (then roll back)."""
    values: dict[str, Any] = {
        "status": (ImportStatus.FAILED if failed else ImportStatus.DONE).value,
        "report": report,
        "finished_at": now,
        "content": b"",  # the file is not kept once imported
    }
    done = report.get("done")
    if isinstance(done, int):
        values["rows_done"] = done
    statement = (
        update(ImportJob)
        .where(
            col(ImportJob.id) == job_id,
            col(ImportJob.claim) == token,
            col(ImportJob.status) == ImportStatus.RUNNING.value,
        )
        .values(**values)
    )
    return bool((await execute(session, statement)).rowcount)


async def get(session: AsyncSession, *, job_id: int) -> ImportJob | None:
    """The job with this id, as stored now."""
    statement = select(ImportJob).where(col(ImportJob.id) == job_id)
    return (await session.exec(statement.execution_options(populate_existing=True))).first()


def figures(job: ImportJob, *, problems: int) -> dict[str, Any]:
    """What the progress page polls: status, rows done of the total, and once finished the
    counts and how many problems (`problems`, counted by the import's own report)."""
    report = job.report or {}
    return {
        "id": job.id,
        "status": job.status,
        "finished": job.status in FINISHED,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "created": report.get("created"),
        "updated": report.get("updated"),
        "unchanged": report.get("unchanged"),
        "errors": problems if job.report is not None else None,
    }
