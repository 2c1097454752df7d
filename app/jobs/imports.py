"""Large imports in the background: a worker in the web process runs each queued file once.

The console queues a large upload and kicks the worker, which runs the import off the request
(the parse in a worker thread, as every parse). Nothing needs an operator: each web process
kicks its worker at start-up, so a file left queued — or claimed by a process that died — is
imported after a restart, and the scheduler's `imports.run` picks it up within a minute too.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.models import ImportJob, ImportKind
from app.services import imports as import_service
from app.services.people import roster_io as roster_service
from app.services.quizzes import bank as bank_service

log = structlog.get_logger(__name__)

CRASHED = "导入时发生意外错误，未导入任何数据。请稍后重新上传，或联系系统管理员。"


class _TakenOver(Exception):
    """Another worker claimed the job while this one ran it: this run's work rolls back."""


def _token() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ImportWorker:
    """Runs queued imports one after another; a kick while it runs makes it look again."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
    ) -> None:
        """Keep the database and the clock."""
        self._engine, self._sessions, self._clock = engine, sessions, clock
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Import whatever is queued, in the background."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            self._again = False
            try:
                while await self.run_next() is not None:
                    pass
            except Exception:
                # The next kick (or the scheduler's imports.run) retries.
                log.exception("background import worker failed")
            if not self._again:
                return

    async def run_next(self) -> int | None:
        """Claim the next queued import and run it; its id, or None when nothing waits."""
        token = _token()
        async with unit_of_work(self._sessions) as session:
            job_id = await import_service.claim_next(session, token=token, now=self._clock())
        if job_id is not None:
            await self.run_claimed(job_id, token)
        return job_id

    async def run_claimed(self, job_id: int, token: str) -> None:
        """Import a job this worker holds the claim of; its effect and report commit together."""
        try:
            async with unit_of_work(self._sessions) as session:
                job = await import_service.get(session, job_id=job_id)
                if job is None:
                    return
                report, failed = await self._import(session, job, token)
                finished = await import_service.finish(
                    session,
                    job_id=job_id,
                    token=token,
                    report=report,
                    failed=failed,
                    now=self._clock(),
                )
                if not finished:
                    raise _TakenOver
        except _TakenOver:
            log.warning("background import taken over by another worker", job_id=job_id)
        except Exception:
            log.exception("background import failed", job_id=job_id)
            # Read by either kind's report: a roster's errors, a bank's file error.
            crash = {
                "errors": [{"row": 0, "column": "", "message": CRASHED}],
                "warnings": [],
                "problems": [],
                "file_error": CRASHED,
            }
            async with unit_of_work(self._sessions) as session:
                now = self._clock()
                await import_service.finish(
                    session, job_id=job_id, token=token, report=crash, failed=True, now=now
                )
        else:
            log.info("background import finished", job_id=job_id)

    async def _import(
        self, session: AsyncSession, job: ImportJob, token: str
    ) -> tuple[dict[str, Any], bool]:
        assert job.id is not None
        job_id = job.id

        async def progress(done: int, total: int) -> None:
            # Its own transaction, so the page sees it while the import's is still open;
            # SQLite allows one writer at a time, so there the page shows no count.
            if self._engine.dialect.name == "sqlite":
                return
            async with unit_of_work(self._sessions) as other:
                await import_service.progress(
                    other, job_id=job_id, token=token, done=done, total=total, now=self._clock()
                )

        if job.kind == ImportKind.ROSTER.value:
            unit_ids = job.params.get("unit_ids")
            report = await roster_service.import_people(
                session,
                data=job.content,
                filename=job.filename,
                actor=import_service.actor_of(job),
                unit_ids=None if unit_ids is None else frozenset(int(i) for i in unit_ids),
                progress=progress,
            )
            return report.to_json(), bool(report.errors)
        if job.kind == ImportKind.BANK.value:
            bank = str(job.params.get("bank", ""))
            try:
                questions = await bank_service.import_questions(
                    session,
                    bank=bank,
                    data=job.content,
                    filename=job.filename,
                    actor=import_service.actor_of(job),
                    now=self._clock(),
                    progress=progress,
                )
            except bank_service.BankFileError as exc:
                questions = bank_service.ImportReport(bank=bank, file_error=str(exc))
            failed = bool(questions.problems or questions.file_error)
            return questions.to_json(), failed
        raise ValueError(f"no background import for {job.kind}")

    async def drain(self, seconds: float | None = None) -> None:
        """Wait for the running imports (tests, shutdown)."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=seconds)

    async def stop(self, seconds: float = 10.0) -> None:
        """Let the current import finish within `seconds`, then cancel it (it rolls back and is
        claimed again once its claim is stale)."""
        await self.drain(seconds)
        if self._task is not None and not self._task.done():
            self._task.cancel()


@job("imports.run", "后台导入", timedelta(minutes=1))
async def run_queued(ctx: JobContext, now: datetime) -> str | None:
    """Import the files still queued (or left by a process that died)."""
    worker = ImportWorker(engine=ctx.engine, sessions=ctx.sessions, clock=ctx.clock)
    count = 0
    while await worker.run_next() is not None:
        count += 1
    return f"导入 {count} 个文件" if count else None
