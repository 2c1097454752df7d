"""定时任务 page: every job, the scheduler lease, the recent runs, and 立即运行 from the console."""

from __future__ import annotations

from datetime import time

from sqlmodel import col, select

from app.db import unit_of_work
from app.jobs.registry import JOBS
from app.models import AdminRole, JobRun, StudyDayRule
from tests.support.app import AppClient
from tests.support.chat import china, runner_for
from tests.support.console import (
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    sign_in,
)

NO_SCHEDULER = "没有调度进程在运行：提醒和定时推送不会发出。请启动 shente scheduler。"


async def _runs(client: AppClient, job: str) -> list[JobRun]:
    async with client.sessions() as session:
        statement = select(JobRun).where(JobRun.job == job).order_by(col(JobRun.id))
        return list((await session.exec(statement)).all())


async def _study_day_rule(client: AppClient) -> None:
    # Stored directly: save_rule cannot audit a rule yet (audit.snapshot and datetime.time).
    units = await default_units(client)
    async with unit_of_work(client.sessions) as session:
        session.add(
            StudyDayRule(
                org_unit_id=units.branch,
                mode="weekday",
                week_of_month=1,
                weekday=4,
                start_time=time(14, 30),
            )
        )


async def test_every_job_and_the_missing_scheduler(console: AppClient, clock) -> None:
    await admin_console(console)
    page = await console.get("/admin/jobs")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">定时任务' in html
    assert html.count('data-testid="job-row"') == len(JOBS)
    for job in JOBS.values():
        assert job.title in html and job.schedule_label in html
    assert "还没有运行过" in html
    assert NO_SCHEDULER in html

    runner = runner_for(console)
    assert await runner.keep_lease()
    html = (await console.get("/admin/jobs")).text
    assert NO_SCHEDULER not in html
    assert runner.holder in html

    clock.advance(31)  # the scheduler died: its lease runs out
    assert NO_SCHEDULER in (await console.get("/admin/jobs")).text


async def test_run_a_job_from_the_console(console: AppClient, clock) -> None:
    await admin_console(console)
    clock.set(china(2026, 11, 20, 10))
    # Nothing to plan yet: the run is idle, still recorded and reported.
    response = await post_form(console, "/admin/jobs/meetings.plan/run", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/jobs?job=meetings.plan&include_idle=1"
    [run] = await _runs(console, "meetings.plan")
    assert run.trigger == "console" and run.outcome == "idle"
    html = (await console.get(response.headers["location"])).text
    assert "生成固定学习日：无事可做。" in html
    assert 'data-testid="run-row" data-job="meetings.plan" data-trigger="console"' in html
    assert "后台手动" in html
    # Idle runs are left out unless asked for.
    html = (await console.get("/admin/jobs")).text
    assert 'data-testid="run-row"' not in html and "显示无事可做的运行" in html

    [entry] = await audit_entries(console, "job.run")
    assert entry.target_type == "job" and entry.target_id == "meetings.plan"
    assert entry.actor_name == "admin"

    # The same instant again: the (job, due time) ran already.
    await post_form(console, "/admin/jobs/meetings.plan/run", {})
    assert len(await _runs(console, "meetings.plan")) == 1
    html = (await console.get("/admin/jobs")).text
    assert "这次没有运行（同一时刻已运行过，或数据库不可用）。" in html

    # A study-day rule with months to fill: the next run does something and says what.
    await _study_day_rule(console)
    clock.advance(60)
    await post_form(console, "/admin/jobs/meetings.plan/run", {})
    runs = await _runs(console, "meetings.plan")
    assert [r.outcome for r in runs] == ["idle", "ok"]
    assert runs[-1].detail and runs[-1].detail.startswith("新建：")
    html = (await console.get("/admin/jobs?job=meetings.plan")).text
    assert "生成固定学习日：完成。新建：" in html
    assert html.count('data-testid="run-row"') == 1  # the idle one stays hidden
    assert "2026-11-20 10:01:00" in html  # China time


async def test_the_job_filter(console: AppClient, clock) -> None:
    await admin_console(console)
    clock.set(china(2026, 11, 20, 10))
    await post_form(console, "/admin/jobs/meetings.plan/run", {})
    await post_form(console, "/admin/jobs/jobs.prune/run", {})
    html = (await console.get("/admin/jobs?include_idle=1")).text
    assert html.count('data-testid="run-row"') == 2
    html = (await console.get("/admin/jobs?include_idle=1&job=jobs.prune")).text
    assert html.count('data-testid="run-row"') == 1
    assert 'data-job="jobs.prune" data-trigger="console"' in html
    html = (await console.get("/admin/jobs?include_idle=1&job=nope")).text
    assert html.count('data-testid="run-row"') == 2  # an unknown job filters nothing


async def test_a_viewer_reads_but_may_not_run(console: AppClient) -> None:
    await add_user(console, "look", AdminRole.VIEWER)
    assert (await sign_in(console, "look")).status_code == 303
    page = await console.get("/admin/jobs")
    assert page.status_code == 200 and "立即运行" not in page.text
    response = await post_form(console, "/admin/jobs/meetings.plan/run", {})
    assert response.status_code == 403
    assert await _runs(console, "meetings.plan") == []


async def test_an_unknown_job_is_404(console: AppClient) -> None:
    await admin_console(console)
    response = await post_form(console, "/admin/jobs/nope/run", {})
    assert response.status_code == 404
    assert await audit_entries(console, "job.run") == []
