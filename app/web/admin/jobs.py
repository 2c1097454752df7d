"""定时任务: every job with its last run, who runs the schedule, the recent runs, 立即运行."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.deps import Session
from app.jobs.registry import JOBS
from app.jobs.runner import LEASE_NAME, in_process_runner
from app.models import JobOutcome, JobRun
from app.models.types import label_of
from app.services import audit, job_runs, leases
from app.services.accounts.admins import Principal
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.pages import Forbidden, NotFound, flash, redirect, render

router = APIRouter(prefix="/jobs")

TRIGGERS = {"schedule": "定时", "run-once": "命令行", "console": "后台手动"}
OUTCOME_TONES = {
    JobOutcome.RUNNING.value: "text-bg-primary",
    JobOutcome.OK.value: "text-bg-success",
    JobOutcome.IDLE.value: "text-bg-light border",
    JobOutcome.FAILED.value: "text-bg-danger",
}
NO_SCHEDULER = "没有调度进程在运行：提醒和定时推送不会发出。请启动 shente scheduler。"
NOT_RUN = "这次没有运行（同一时刻已运行过，或数据库不可用）。"


async def job_runner(me: ConsoleWriter) -> Principal:
    """An admin: a job acts on every unit at once (reminders, deadlines, sends)."""
    if not me.is_admin:
        raise Forbidden("定时任务对全组织生效，只有管理员可以手动运行。")
    return me


JobRunner = Annotated[Principal, Depends(job_runner)]


def outcome_label(value: str) -> str:
    """A run's outcome in Chinese (an unknown value as it is stored)."""
    return label_of(JobOutcome, value)


def job_title(job_id: str) -> str:
    """A job's title; a job no longer registered keeps its id."""
    job = JOBS.get(job_id)
    return job.title if job else job_id


def duration(run: JobRun) -> str:
    """How long a run took: "0.4 秒", "2 分 5 秒"; empty while it runs."""
    if run.finished_at is None:
        return ""
    seconds = max((run.finished_at - run.started_at).total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} 秒" if seconds < 10 else f"{seconds:.0f} 秒"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} 分 {rest} 秒"


@router.get("", response_class=HTMLResponse)
async def job_list(
    request: Request, session: Session, me: ConsoleUser, job: str = "", include_idle: str = ""
) -> HTMLResponse:
    """Every job and its last run, the scheduler lease, and the recent runs (filterable)."""
    chosen = job if job in JOBS else ""
    idle = include_idle in ("1", "on", "true")
    moment: datetime = now(request)
    last = await job_runs.last_runs(session, jobs=list(JOBS))
    runs = await job_runs.recent(session, job=chosen or None, include_idle=idle)
    context = {
        "nav": "jobs",
        "jobs": list(JOBS.values()),
        "last": last,
        "holder": await leases.holder_of(session, name=LEASE_NAME, now=moment),
        "no_scheduler": NO_SCHEDULER,
        "runs": runs,
        "job_filter": chosen,
        "include_idle": idle,
        "job_title": job_title,
        "outcome_label": outcome_label,
        "outcome_tones": OUTCOME_TONES,
        "triggers": TRIGGERS,
        "duration": duration,
    }
    return render(request, "admin/jobs/list.html", context)


@router.post("/{job_id}/run")
async def job_run(
    request: Request, job_id: str, session: Session, me: JobRunner
) -> RedirectResponse:
    """Run one job now (trigger "console"), audit it, and say how it went (admins only: a job
    acts on every unit at once)."""
    job = JOBS.get(job_id)
    if job is None:
        raise NotFound("没有这个定时任务。")
    # The runner opens its own units of work; this request's session only carries the audit.
    run = await in_process_runner(request.app.state).run(job_id, trigger="console")
    if run is None:
        summary = f"{job.title}：没有运行"
        flash(request, f"{job.title}：{NOT_RUN}", "warning")
    else:
        label = outcome_label(run.outcome)
        summary = f"{job.title}：{label}"
        message = f"{job.title}：{label}。" + (f"{run.detail}" if run.detail else "")
        level = {"failed": "danger", "idle": "info"}.get(run.outcome, "success")
        flash(request, message, level)
    await audit.record(
        session,
        actor=actor(request, me),
        action="job.run",
        target_type="job",
        target_id=job_id,
        summary=summary,
        after={"run_id": run.id, "outcome": run.outcome} if run is not None else None,
    )
    return redirect(f"/admin/jobs?job={job_id}&include_idle=1")
