"""The scheduler: only the holder of the database lease runs jobs, each (job, due time) once.

Three guards, so that a second scheduler started by mistake never doubles anything: the lease
(one active scheduler; the other stands by and takes over within LEASE_TTL when the first
dies), the job run's unique (job, due time) row, and each effect's own key (a broadcast per
obligation).
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from app.config import Settings, instance_id
from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import JOBS, Job, boundary
from app.logging import configure_logging
from app.models import JobOutcome, JobRun
from app.models.types import utcnow
from app.runtime import sender_runtime
from app.services import job_runs, leases

log = structlog.get_logger(__name__)

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW_SECONDS = 10


def in_process_runner(state: Any) -> JobRunner:
    """A runner on a web app's database and client (its `app.state`); what it creates is sent
    in-process by the app's own senders."""
    ctx = JobContext(
        state.engine,
        state.sessions,
        state.broadcast_client,
        state.settings,
        clock=state.clock,
        wake_sender=state.broadcasts.kick,
    )
    return JobRunner(ctx)


class UnknownJob(KeyError):
    """No job has this id."""


class JobRunner:
    """Runs registered jobs for one scheduler process and records every run."""

    def __init__(
        self, ctx: JobContext, *, lease_ttl: timedelta = LEASE_TTL, every: timedelta | None = None
    ) -> None:
        """Name this runner after the host and process; `every` overrides each job's period."""
        self.ctx = ctx
        self.every = every
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_ttl = lease_ttl
        self.leader = False

    async def keep_lease(self) -> bool:
        """Take or renew the scheduler lease; a database error means not leading for now."""
        was = self.leader
        try:
            async with unit_of_work(self.ctx.sessions) as session:
                self.leader = await leases.hold(
                    session,
                    name=LEASE_NAME,
                    holder=self.holder,
                    ttl=self.lease_ttl,
                    now=self.ctx.clock(),
                )
        except Exception as exc:  # the database is away: stand down until it is back
            log.warning("scheduler lease not renewed", error=type(exc).__name__)
            self.leader = False
        if self.leader != was:
            log.info("scheduler lease", held=self.leader, holder=self.holder)
        return self.leader

    async def release(self) -> None:
        """Give the lease up (a clean stop lets the standby take over at once)."""
        if not self.leader:
            return
        try:
            async with unit_of_work(self.ctx.sessions) as session:
                await leases.release(session, name=LEASE_NAME, holder=self.holder)
        except Exception as exc:
            log.warning("scheduler lease not released", error=type(exc).__name__)
        self.leader = False

    async def run(
        self, job_id: str, *, due_at: datetime | None = None, trigger: str = "schedule"
    ) -> JobRun | None:
        """Run one job now; None when not leading or when its due time ran already.

        `run-once` and the console's button skip the lease check: what they cause is keyed by
        obligation, so running beside the scheduler cannot double it.
        """
        job = JOBS.get(job_id)
        if job is None:
            raise UnknownJob(job_id)
        if trigger == "schedule" and not self.leader:
            return None
        now = self.ctx.clock()
        due = due_at or (boundary(now, self.every or job.every) if trigger == "schedule" else now)
        try:
            async with unit_of_work(self.ctx.sessions) as session:
                claimed = await job_runs.claim(
                    session, job=job.id, due_at=due, now=now, trigger=trigger, runner=self.holder
                )
        except Exception as exc:
            log.warning("job not started", job=job.id, error=type(exc).__name__)
            return None
        if claimed is None:
            log.info("job already run", job=job.id, due_at=due.isoformat())
            return None
        assert claimed.id is not None
        outcome, detail = await self._execute(job, now)
        finished = self.ctx.clock()
        try:
            async with unit_of_work(self.ctx.sessions) as session:
                await job_runs.finish(
                    session, run_id=claimed.id, outcome=outcome, detail=detail, now=finished
                )
        except Exception as exc:
            log.warning("job outcome not stored", job=job.id, error=type(exc).__name__)
        claimed.outcome, claimed.detail, claimed.finished_at = outcome.value, detail, finished
        return claimed

    async def _execute(self, job: Job, now: datetime) -> tuple[JobOutcome, str | None]:
        try:
            detail = await job.run(self.ctx, now)
        except Exception as exc:
            log.exception("job failed", job=job.id)
            return JobOutcome.FAILED, f"{type(exc).__name__}: {str(exc)[:500]}"
        if detail is None:
            return JobOutcome.IDLE, None
        log.info("job done", job=job.id, detail=detail)
        return JobOutcome.OK, detail


def build_scheduler(settings: Settings, runner: JobRunner) -> AsyncIOScheduler:
    """An AsyncIO scheduler in China time: the lease first, then every job at start and after.

    A runner made with `every` runs each job on that beat (tests use one second).
    """
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    start = utcnow()

    async def lease_then_catch_up() -> None:
        # Jobs run at start too: after downtime the catch-up rules apply at once.
        if await runner.keep_lease():
            for job_id in JOBS:
                await runner.run(job_id)

    scheduler.add_job(
        runner.keep_lease,
        IntervalTrigger(seconds=LEASE_RENEW_SECONDS, timezone=settings.timezone),
        id="scheduler.lease",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(lease_then_catch_up, id="scheduler.start", next_run_time=start)
    for job in JOBS.values():
        period = runner.every or job.every
        first = boundary(start, period) + period  # each job fires on its boundaries
        scheduler.add_job(
            runner.run,
            IntervalTrigger(
                seconds=int(period.total_seconds()), start_date=first, timezone=settings.timezone
            ),
            args=[job.id],
            id=job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(period.total_seconds()),
        )
    return scheduler


def wake_job(scheduler: AsyncIOScheduler, runner: JobRunner, job_id: str) -> None:
    """Run a job now, off its beat (a reminder was created: send it at once)."""
    now = utcnow()
    scheduler.add_job(
        runner.run,
        args=[job_id],
        kwargs={"due_at": now},
        id=f"{job_id}.now",
        next_run_time=now,
        replace_existing=True,
    )


async def run_forever(settings: Settings) -> None:
    """Start the scheduler and keep the process alive until it is stopped."""
    configure_logging(
        level=settings.log_level,
        json=settings.app_env == "prod",
        secrets=settings.secret_values(),
        instance=instance_id(settings),
    )
    async with sender_runtime(settings) as rt:
        ctx = JobContext(rt.engine, rt.sessions, rt.client, settings)
        runner = JobRunner(ctx)
        scheduler = build_scheduler(settings, runner)
        runner.ctx = replace(
            ctx, wake_sender=lambda: wake_job(scheduler, runner, "broadcasts.send_due")
        )
        scheduler.start()
        log.info("scheduler started", jobs=len(JOBS), holder=runner.holder)
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            await runner.release()


async def run_once(settings: Settings, job_id: str) -> JobRun | None:
    """Run one job now, outside the schedule (`shente scheduler run-once JOB`)."""
    async with sender_runtime(settings) as rt:
        ctx = JobContext(rt.engine, rt.sessions, rt.client, settings)
        runner = JobRunner(ctx)
        run = await runner.run(job_id, trigger="run-once")
        created = run is not None and run.outcome == JobOutcome.OK.value
        if created and job_id != "broadcasts.send_due":
            # What the job created goes out now too, not at the scheduler's next beat.
            await runner.run("broadcasts.send_due", trigger="run-once")
        return run
