"""The scheduler: one leader, each (job, due time) run once and recorded, run-once from the CLI."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli.main import cli
from app.dev.sandbox.server import serve_in_background
from app.jobs import runner as runner_module
from app.jobs.context import JobContext
from app.jobs.registry import JOBS
from app.jobs.runner import JobRunner, build_scheduler
from app.models import Broadcast, BroadcastRecipient, JobOutcome, JobRun, RecipientStatus
from app.models.types import utcnow
from tests.support.chat import add_party_members, china, make_meeting, runner_for
from tests.support.commands import run_shente, shente_env

# Schedulers contend for a lease row and a unique (job, due time): locking differs, so those
# tests run on both databases. The run-once CLI test runs one process at a time: primary only.


async def _runs(client, job=None):
    async with client.sessions() as session:
        statement = select(JobRun).order_by(col(JobRun.id))
        if job:
            statement = statement.where(JobRun.job == job)
        return list((await session.exec(statement)).all())


async def _reminders(client):
    async with client.sessions() as session:
        rows = await session.exec(select(Broadcast).where(Broadcast.kind == "reminder"))
        return list(rows.all())


@pytest.mark.both_databases
async def test_only_one_of_two_schedulers_holds_the_lease_until_it_lapses(client, clock):
    first, second = runner_for(client), runner_for(client)

    assert await first.keep_lease() is True
    assert await second.keep_lease() is False
    assert await second.run("meetings.remind") is None  # a standby runs nothing
    clock.advance(20)
    assert await first.keep_lease() is True  # renewed
    clock.advance(31)  # the first died without releasing: its lease runs out
    assert await second.keep_lease() is True
    assert await first.keep_lease() is False

    await second.release()
    assert await first.keep_lease() is True  # a clean stop hands over at once


@pytest.mark.both_databases
async def test_two_leaders_by_mistake_still_run_a_due_time_once(client, clock):
    """Even if both believed they lead (a paused process), the run and its effects are keyed."""
    members = await add_party_members(client, 5)
    clock.set(china(2026, 12, 1, 9, 0))
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    clock.set(china(2026, 12, 4, 14, 30))
    first, second = runner_for(client), runner_for(client)
    first.leader = second.leader = True

    runs = await asyncio.gather(first.run("meetings.remind"), second.run("meetings.remind"))

    assert sorted(r is None for r in runs) == [False, True]
    [record] = await _runs(client, "meetings.remind")
    assert record.due_at == china(2026, 12, 4, 14, 30) and record.outcome == JobOutcome.OK.value
    [reminder] = await _reminders(client)
    assert reminder.total == len(members)
    # A run-once beside them is its own run, and finds the obligation fulfilled.
    clock.advance(5)
    again = await first.run("meetings.remind", trigger="run-once")
    assert again is not None and again.outcome == JobOutcome.IDLE.value
    assert len(await _reminders(client)) == 1


@pytest.mark.both_databases
async def test_each_run_is_recorded_with_its_outcome_and_a_failure_does_not_stop_the_next(
    client, clock, monkeypatch
):
    from app.jobs import registry

    async def broken(ctx, now):
        raise RuntimeError("数据库表被锁住了")

    runner = runner_for(client)
    assert await runner.keep_lease()
    monkeypatch.setitem(
        registry.JOBS,
        "meetings.plan",
        registry.Job("meetings.plan", "x", broken, timedelta(hours=1)),
    )
    failed = await runner.run("meetings.plan")
    done = await runner.run("meetings.follow_up")

    assert failed.outcome == JobOutcome.FAILED.value and "数据库表被锁住了" in failed.detail
    assert done.outcome == JobOutcome.IDLE.value
    records = await _runs(client)
    assert [(r.job, r.outcome, r.trigger) for r in records] == [
        ("meetings.plan", "failed", "schedule"),
        ("meetings.follow_up", "idle", "schedule"),
    ]
    assert all(r.finished_at is not None and r.runner == runner.holder for r in records)


@pytest.mark.both_databases
async def test_two_real_schedulers_enqueue_a_due_reminder_once_within_two_seconds(
    make_client, monkeypatch
):
    """Real APScheduler, real time, on a one-second beat: the latency the issue asks for."""
    # Only the job under test beats: all 21 jobs every second on two schedulers are ~40 runs a
    # second, which a loaded two-core CI machine cannot keep up with (runs were skipped and
    # the reminder came 2.4 s late), while in production they beat every minute or slower.
    monkeypatch.setattr(runner_module, "JOBS", {"meetings.remind": JOBS["meetings.remind"]})
    client = await make_client(meeting_reminders="1h")
    members = await add_party_members(client, 4)
    state = client.app.state
    due = datetime.fromtimestamp(int(time.time()) + 3, UTC)  # a whole second, 2–3 s ahead
    # An hour-before reminder due at `due`, on a meeting made as the console makes one.
    await make_meeting(client, starts_at=due + timedelta(hours=1))

    def scheduler_with_runner():
        ctx = JobContext(state.engine, state.sessions, state.broadcast_client, state.settings)
        runner = JobRunner(ctx, every=timedelta(seconds=1))
        return build_scheduler(state.settings, runner), runner

    pair = [scheduler_with_runner(), scheduler_with_runner()]
    for scheduler, _ in pair:
        scheduler.start()
    try:
        seen_at = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and seen_at is None:
            if await _reminders(client):
                seen_at = utcnow()
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # both keep beating: nothing more may appear
    finally:
        for scheduler, runner in pair:
            scheduler.shutdown(wait=False)
            await runner.release()
    assert seen_at is not None, "no reminder within 10 s"
    [reminder] = await _reminders(client)
    assert reminder.total == len(members)
    lateness = (seen_at - due).total_seconds()
    assert lateness < 2.0, f"enqueued {lateness:.2f} s after its due time"
    assert sum(runner.leader for _, runner in pair) <= 1
    holders = {r.runner for r in await _runs(client, "meetings.remind")}
    assert len(holders) == 1  # only the leader ran it


async def test_run_once_from_the_command_line_sends_what_is_due(make_client):
    client = await make_client()
    members = await add_party_members(client, 3)
    # Real time: the subprocess has its own clock. A meeting in 30 minutes, never reminded.
    await make_meeting(client, starts_at=utcnow().replace(microsecond=0) + timedelta(minutes=30))
    async with serve_in_background(client.sandbox_app) as sandbox_url:
        env = shente_env(client, sandbox_url)
        code, out = await run_shente(env, "scheduler", "run-once", "meetings.remind")
        assert code == 0, out
        assert "meetings.remind：完成" in out and "3 人" in out
        code, again = await run_shente(env, "scheduler", "run-once", "meetings.remind")
    assert code == 0 and "无事可做" in again
    [reminder] = await _reminders(client)
    async with client.sessions() as session:
        statuses = (
            await session.exec(
                select(BroadcastRecipient.status).where(
                    BroadcastRecipient.broadcast_id == reminder.id
                )
            )
        ).all()
    assert statuses == [RecipientStatus.SENT.value] * len(members)
    runs = await _runs(client, "meetings.remind")
    assert [r.trigger for r in runs] == ["run-once", "run-once"]

    # Refused before any settings or database are read: the command in this process will do.
    refused = CliRunner().invoke(cli, ["scheduler", "run-once", "no.such.job"])
    assert refused.exit_code == 2 and "没有任务「no.such.job」" in refused.output
