"""`shente scheduler` (run the jobs), `shente scheduler run-once JOB`, `shente scheduler jobs`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from app.cli import eventloop
from app.cli.common import checked_settings, quiet_settings
from app.db import create_engine, session_factory
from app.jobs.registry import JOBS
from app.jobs.runner import run_forever
from app.jobs.runner import run_once as run_job
from app.models import JobOutcome, JobRun
from app.models.types import CHINA
from app.services import job_runs

scheduler_cli = typer.Typer(help="The scheduled jobs", invoke_without_command=True)
console = Console(stderr=True)


@scheduler_cli.callback()
def scheduler(ctx: typer.Context) -> None:
    """Run the scheduled jobs in this process (production runs exactly one of these)."""
    if ctx.invoked_subcommand is not None:
        return

    eventloop.run(run_forever(checked_settings()))


@scheduler_cli.command("jobs")
def list_jobs() -> None:
    """List the jobs, how often each runs, and its last run."""

    settings = quiet_settings()

    async def fetch() -> dict[str, JobRun]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await job_runs.last_runs(session, jobs=list(JOBS))
        finally:
            await engine.dispose()

    try:
        last = eventloop.run(fetch())
    except Exception as exc:  # unmigrated or unreachable: one line, not a traceback
        console.print(f"读不到任务记录（{type(exc).__name__}）：请先运行 shente db upgrade。")
        raise typer.Exit(1) from None
    table = Table("任务", "说明", "频率", "上次运行", "结果")
    for job in JOBS.values():
        run = last.get(job.id)
        when = f"{run.started_at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}" if run else "—"
        outcome = JobOutcome(run.outcome).label if run else "—"
        table.add_row(job.id, job.title, job.schedule_label, when, outcome)
    Console().print(table)


@scheduler_cli.command("run-once")
def run_once(job: str = typer.Argument(..., help="The job's id, e.g. meetings.remind")) -> None:
    """Run one job now (beside a running scheduler too: its effects are keyed, never doubled)."""

    if job not in JOBS:
        console.print(f"没有任务「{job}」。可用的任务：{'、'.join(JOBS)}", markup=False)
        raise typer.Exit(2)
    run = eventloop.run(run_job(quiet_settings(), job))
    if run is None:
        console.print("任务没有运行（数据库不可用，或同一时刻已运行过）。", markup=False)
        raise typer.Exit(1)
    outcome = JobOutcome(run.outcome)
    Console().print(f"{job}：{outcome.label}", markup=False)
    if run.detail:
        Console().print(run.detail, markup=False, highlight=False)
    if outcome is JobOutcome.FAILED:
        raise typer.Exit(1)
