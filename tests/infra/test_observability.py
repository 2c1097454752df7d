"""/metrics tells an operator what the database holds: broadcasts, the scheduler, deferred
replies; and what the outbound client did: calls and errcodes by API, token fetches, quotas."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from app.dev.sandbox.faults import QueuedErrcode
from app.logging import configure_logging
from app.metrics import OutboundMetrics
from app.models import InboundMessage, InboundStatus
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, make_broadcast, sender_for
from tests.support.chat import runner_for

TEMPLATE_SEND = "/cgi-bin/message/template/send"


async def scrape(client: AppClient) -> str:
    """The /metrics page as Prometheus reads it."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


def value(text: str, series: str) -> float | None:
    """The sample of one exact series (name and labels as exported), or None when absent."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def recipients(kind: str, state: str, status: str) -> str:
    """A series of shente_broadcast_recipients."""
    return (
        f'shente_broadcast_recipients{{broadcast_status="{state}",kind="{kind}",status="{status}"}}'
    )


async def test_broadcast_recipients_and_outbound_errcodes_follow_a_quota_pause(make_client):
    client = await make_client(wechat_daily_quotas="template/send=10")
    client.state.state_metrics.max_age = 0  # read the database on every scrape
    members = await add_members(client, 3)
    await make_broadcast(client, members)
    text = await scrape(client)
    assert value(text, recipients("notice", "ready", "pending")) == 3

    # WeChat's daily quota runs out at the first message: the broadcast pauses, nobody lost.
    client.sandbox.faults.errcode_queue.append(QueuedErrcode(45009, path=TEMPLATE_SEND))
    await sender_for(client, concurrency=1).run()
    text = await scrape(client)
    assert value(text, recipients("notice", "paused", "pending")) == 3
    assert value(text, recipients("notice", "ready", "pending")) is None
    assert value(text, 'shente_wechat_api_calls_total{api="template/send",errcode="45009"}') == 1
    assert value(text, 'shente_wechat_api_calls_total{api="stable_token",errcode="0"}') == 1
    assert value(text, "shente_wechat_token_refreshes_total") == 1
    assert value(text, 'shente_wechat_api_calls_today{api="template/send"}') == 1
    assert value(text, 'shente_wechat_api_daily_quota{api="template/send"}') == 10
    assert value(text, "shente_state_read_ok") == 1


async def test_sent_and_failed_messages_are_counted_by_api_and_errcode(client):
    members = await add_members(client, 3)
    await make_broadcast(client, members)
    client.sandbox.faults.errcode_queue.append(QueuedErrcode(40003, path=TEMPLATE_SEND))
    await sender_for(client, concurrency=1).run()
    text = await scrape(client)
    assert value(text, 'shente_wechat_api_calls_total{api="template/send",errcode="0"}') == 2
    assert value(text, 'shente_wechat_api_calls_total{api="template/send",errcode="40003"}') == 1
    # Finished broadcasts are history, not work in progress.
    assert "shente_broadcast_recipients{" not in text


async def test_database_state_is_read_at_most_every_15_seconds(client):
    members = await add_members(client, 2)
    assert "shente_broadcast_recipients{" not in await scrape(client)
    await make_broadcast(client, members)
    # A scrape storm does not reach the database: the first reading stands for 15 s.
    assert "shente_broadcast_recipients{" not in await scrape(client)
    client.state.state_metrics.max_age = 0
    assert value(await scrape(client), recipients("notice", "ready", "pending")) == 2


async def test_scheduler_leader_last_run_lag_and_outcome(client, clock):
    client.state.state_metrics.max_age = 0
    text = await scrape(client)
    assert value(text, 'shente_scheduler_leader{holder=""}') == 0
    runner = runner_for(client)
    assert await runner.keep_lease()
    try:
        due = clock() - timedelta(seconds=42)
        run = await runner.run("jobs.prune", due_at=due)
        assert run is not None
        text = await scrape(client)
        assert value(text, f'shente_scheduler_leader{{holder="{runner.holder}"}}') == 1
        started = value(text, 'shente_scheduler_last_run_timestamp_seconds{job="jobs.prune"}')
        assert started == clock().timestamp()
        assert value(text, 'shente_scheduler_last_run_lag_seconds{job="jobs.prune"}') == 42
        outcome = f'shente_scheduler_last_run_outcome{{job="jobs.prune",outcome="{run.outcome}"}}'
        assert value(text, outcome) == 1
        failed = 'shente_scheduler_last_run_outcome{job="jobs.prune",outcome="failed"}'
        assert run.outcome != "failed" and value(text, failed) == 0
        assert 'job="meetings.remind"' not in text  # never run: nothing to report
    finally:
        await runner.release()
    assert value(await scrape(client), 'shente_scheduler_leader{holder=""}') == 0


async def test_deferred_replies_older_than_a_minute_are_counted(client, clock):
    client.state.state_metrics.max_age = 0
    now = clock()
    async with client.sessions() as session:
        for i, age in enumerate((30, 90, 600)):
            at = now - timedelta(seconds=age)
            session.add(
                InboundMessage(
                    dedup_key=f"deferred-{i}",
                    account="gh_test",
                    openid=f"o-deferred-{i}",
                    msg_type="text",
                    sent_at=at,
                    received_at=at,
                    status=InboundStatus.DEFERRED.value,
                    attempt="a1",
                    response_body="",
                    replied_at=at,
                )
            )
        await session.commit()
    assert value(await scrape(client), "shente_deferred_replies_overdue") == 2


async def test_instance_identity_is_on_metrics_and_every_log_line(make_client):
    client = await make_client(instance_id="app-7")
    text = await scrape(client)
    assert value(text, 'shente_instance_info{instance_id="app-7",version="0.1.0"}') == 1
    stream = io.StringIO()
    configure_logging(level="INFO", json=True, stream=stream, instance="app-7")
    try:
        await client.get("/healthz")
        await client.get("/admin/login")
    finally:
        configure_logging(level="WARNING", json=False)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line["instance_id"] == "app-7" for line in lines)


def test_calls_today_start_again_at_beijing_midnight():
    registry = CollectorRegistry()
    now = [datetime(2026, 12, 7, 15, 59, tzinfo=UTC).timestamp()]  # 23:59 in Beijing
    outbound = OutboundMetrics(registry, quotas={"custom/send": 500}, clock=lambda: now[0])
    outbound.api_call("custom/send", 0)
    outbound.api_call("custom/send", 45047)
    today = 'shente_wechat_api_calls_today{api="custom/send"}'
    assert value(generate_latest(registry).decode(), today) == 2
    now[0] += 120  # 00:01: WeChat's quotas are new, and so is our count
    text = generate_latest(registry).decode()
    assert value(text, today) == 0
    assert value(text, 'shente_wechat_api_daily_quota{api="custom/send"}') == 500
    assert value(text, 'shente_wechat_api_calls_total{api="custom/send",errcode="45047"}') == 1
