"""The sender against the sandbox: each reachable member gets exactly one message."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sender_for,
)

# Two senders claim rows with FOR UPDATE SKIP LOCKED on PostgreSQL, a write lock on SQLite.
pytestmark = pytest.mark.both_databases


async def test_every_member_gets_one_template_message(client: AppClient) -> None:
    members = await add_members(client, 30)
    broadcast_id = await make_broadcast(client, members)
    report = await sender_for(client, concurrency=8).run()
    assert report.sent == 30
    got = deliveries_by_openid(client, "template")
    assert got == Counter({m.openid: 1 for m in members})
    rows = await rows_of(client, broadcast_id)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.msgid for r in rows)
    # A second run finds nothing to do and sends nothing more.
    again = await sender_for(client).run()
    assert again.sent == 0
    assert deliveries_by_openid(client, "template") == got


async def test_transient_errors_are_retried_and_never_duplicated(client: AppClient) -> None:
    members = await add_members(client, 60)
    broadcast_id = await make_broadcast(client, members)
    faults = client.sandbox.faults
    faults.reseed(7)
    faults.error_rate = 0.10
    faults.paths = ["/cgi-bin/message/template/send"]
    report = await sender_for(client, concurrency=10).run()
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 60}), report
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    assert client.sandbox.call_count("/cgi-bin/message/template/send", -1) > 0


async def test_two_senders_at_once_share_the_work_and_never_overlap(
    client: AppClient,
) -> None:
    members = await add_members(client, 80)
    broadcast_id = await make_broadcast(client, members)
    client.sandbox.faults.latency_ms = 30  # long enough for both to be mid-flight together
    client.sandbox.faults.paths = ["/cgi-bin/message/template/send"]

    first, second = await asyncio.gather(
        sender_for(client, concurrency=6).run(), sender_for(client, concurrency=6).run()
    )

    assert first.sent + second.sent == 80
    if client.state.engine.dialect.name == "postgresql":
        # SKIP LOCKED lets both take rows; SQLite's single writer may let one take them all.
        assert first.sent > 0 and second.sent > 0
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    rows = await rows_of(client, broadcast_id)
    assert {r.status for r in rows} == {"sent"}


async def test_scheduled_newsletter_goes_out_at_its_time(client: AppClient, clock) -> None:
    from datetime import timedelta

    from app.jobs.broadcasts import send_due
    from app.jobs.context import JobContext
    from app.models import NewsletterIssue
    from app.services.newsletters import issues as newsletter_service

    members = await add_members(client, 3)
    app = client.app
    async with app.state.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        (series, *_rest) = await newsletter_service.all_series(session)
        assert series.id is not None
        issue = NewsletterIssue(
            series_id=series.id,
            number=1,
            title="定时的一期",
            body="正文",
            status="scheduled",
            scheduled_at=clock() + timedelta(hours=1),
        )
        session.add(issue)
        await session.commit()
    ctx = JobContext(
        app.state.engine, app.state.sessions, app.state.broadcast_client, app.state.settings
    )

    early = await send_due(ctx, now=clock())
    assert early.sent == 0 and deliveries_by_openid(client) == Counter()

    late = await send_due(ctx, now=clock() + timedelta(hours=1, seconds=1))
    assert late.sent == 3
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members})
    async with app.state.sessions() as session:
        stored = await session.get(NewsletterIssue, issue.id)
    assert stored is not None and stored.status == "sent"


async def test_concurrent_claims_take_at_most_their_limit_and_never_the_same_row(
    client: AppClient,
) -> None:
    from app.db import unit_of_work
    from app.models.types import utcnow
    from app.services.broadcasts import rows as row_service

    members = await add_members(client, 100)
    broadcast_id = await make_broadcast(client, members)

    async def take(worker: str) -> list[int]:
        async with unit_of_work(client.app.state.sessions) as session:
            claimed = await row_service.claim(
                session, broadcast_id=broadcast_id, worker=worker, limit=6, now=utcnow()
            )
        return [c.id for c in claimed]

    takes = await asyncio.gather(*(take(f"w{i}") for i in range(12)))
    # Each takes its six (100 are pending), none more (a rescanned pick once took 80 for 6).
    assert [len(ids) for ids in takes] == [6] * 12
    taken = [i for ids in takes for i in ids]
    assert len(set(taken)) == 72
    rows = {r.id: r for r in await rows_of(client, broadcast_id)}
    assert {rows[i].status for i in taken} == {"sending"}
    assert sum(r.status == "sending" for r in rows.values()) == len(taken)
    assert all(rows[i].claimed_by == f"w{n}" for n, ids in enumerate(takes) for i in ids)
