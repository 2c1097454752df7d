"""The database goes away mid-broadcast: a blip is waited out; an outage stops the sender
with nothing lost, and the resume after it sends each member exactly one message."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from app.broadcasting import sender as sender_module
from app.db import is_database_unavailable, unit_of_work
from app.services.broadcasts import rows as row_service
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sender_for,
)
from tests.support.plugin import Clock

TEMPLATE_SEND = "/cgi-bin/message/template/send"


async def _when_delivered(client: Any, count: int) -> None:
    async with asyncio.timeout(30):
        while len(client.sandbox.deliveries) < count:
            await asyncio.sleep(0.005)


async def _sending_40(client: Any) -> tuple[list[Any], int, asyncio.Task[Any]]:
    """A broadcast to 40 members (20 ms a call) whose sender has delivered 10 of them."""
    members = await add_members(client, 40)
    broadcast_id = await make_broadcast(client, members)
    client.sandbox.faults.latency_ms = 20
    client.sandbox.faults.paths = [TEMPLATE_SEND]
    sending = asyncio.create_task(sender_for(client, concurrency=4).run())
    await _when_delivered(client, 10)
    return members, broadcast_id, sending


async def test_a_short_blip_is_waited_out(proxied: Any) -> None:
    client, proxy = proxied
    members, broadcast_id, sending = await _sending_40(client)
    await proxy.stop()  # every connection cut, new ones refused…
    await asyncio.sleep(0.3)
    await proxy.start()  # …and back before the sender gives up
    report = await sending

    assert report.sent == 40
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    assert {r.status for r in await rows_of(client, broadcast_id)} == {"sent"}


async def test_a_claim_whose_answer_was_lost_is_still_sent(client: Any, monkeypatch: Any) -> None:
    """The claim's commit reached the database but the connection broke before its answer: the
    rows it took are this sender's and no request left for them, so it sends them itself
    (before, they waited `sending` until the sender stopped and a later run found them)."""
    members = await add_members(client, 12)
    broadcast_id = await make_broadcast(client, members)
    real_claim = row_service.claim
    lost: list[int] = []

    async def claim_losing_the_first_answer(session: Any, **kwargs: Any) -> Any:
        if lost:
            return await real_claim(session, **kwargs)
        async with unit_of_work(client.app.state.sessions) as committed:
            lost.extend(row.id for row in await real_claim(committed, **kwargs))
        raise ConnectionResetError("connection lost after COMMIT")

    monkeypatch.setattr(row_service, "claim", claim_losing_the_first_answer)
    report = await sender_for(client, concurrency=4).run()

    assert len(lost) == 4
    assert report.sent == 12
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    assert {r.status for r in await rows_of(client, broadcast_id)} == {"sent"}


async def test_a_restart_still_starting_up_is_waited_out(proxied: Any) -> None:
    """pg_ctl restart: for a moment new connections get "the database system is starting up"
    (57P03); the sender waits that out like any blip instead of dying with rows claimed."""
    client, proxy = proxied
    members, broadcast_id, sending = await _sending_40(client)
    await proxy.restarting()  # past the sender's first wait (0.5 s), within its last
    await asyncio.sleep(1.2)
    await proxy.start()
    report = await sending  # waited out: before, "starting up" was taken for a bug and raised

    assert report.sent == 40
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    assert {r.status for r in await rows_of(client, broadcast_id)} == {"sent"}


async def test_an_outage_stops_the_sender_and_the_resume_finishes(
    proxied: Any, clock: Clock, monkeypatch: Any
) -> None:
    # One wait (0.5 s) before giving up, not three (3.5 s, for the claim and again for the
    # final flush): an outage outlasts any number of them, and the blip tests use the real ones.
    monkeypatch.setattr(sender_module, "DB_ATTEMPTS", 2)
    client, proxy = proxied
    members = await add_members(client, 40)
    broadcast_id = await make_broadcast(client, members)
    sandbox = client.sandbox
    sandbox.faults.latency_ms = 20
    sandbox.faults.paths = [TEMPLATE_SEND]

    sending = asyncio.create_task(sender_for(client, concurrency=4, clock=clock).run())
    await _when_delivered(client, 10)
    await proxy.stop()
    with pytest.raises(Exception) as stopped:  # the sender says so; it does not pretend
        await sending
    assert is_database_unavailable(stopped.value)
    delivered_during = Counter(d.openid for d in sandbox.deliveries)
    assert max(delivered_during.values()) == 1

    await proxy.start()
    # WeChat's receipts for what went out reach /wechat once we are reachable again.
    callbacks = client.sandbox_app.state.sandbox_callbacks
    for send in list(sandbox.template_sends.values()):
        assert (await callbacks.emit_job_finish(send.msgid)).status == 200
    await sender_for(client, concurrency=4, clock=clock).run()
    clock.advance(client.settings.broadcast_receipt_grace_seconds + 1)
    await sender_for(client, concurrency=4, clock=clock).run()

    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 40})
