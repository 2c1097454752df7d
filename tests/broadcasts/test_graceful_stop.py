"""A sender stopped with SIGTERM mid-broadcast hands its unsent rows back and exits at once.

The sender is a real `shente broadcasts resume` (or `shente scheduler`) process, sending to the
app's sandbox over HTTP at a slow call rate, so most rows it claimed still wait for their turn
in the rate limiter when the signal comes.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from app.dev.sandbox.server import serve_in_background
from app.models import BroadcastRecipient
from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    sender_for,
)
from tests.support.commands import shente_env, start_shente

MEMBERS = 60


async def _statuses(client: AppClient, broadcast_id: int) -> Counter[str]:
    async with client.sessions() as session:
        rows = (
            await session.exec(
                select(BroadcastRecipient.status).where(
                    BroadcastRecipient.broadcast_id == broadcast_id
                )
            )
        ).all()
    return Counter(rows)


@pytest.mark.parametrize(
    "command", [("broadcasts", "resume", "--quiet"), ("scheduler",)], ids=["resume", "scheduler"]
)
async def test_sigterm_hands_unsent_rows_back_and_the_next_sender_finishes(
    make_client: Callable[..., Any], command: tuple[str, ...]
) -> None:
    client: AppClient = await make_client()
    sandbox = client.sandbox
    sandbox.faults.latency_ms = 20
    sandbox.faults.paths = ["/cgi-bin/message/template/send"]
    members = await add_members(client, MEMBERS)
    broadcast_id = await make_broadcast(client, members)

    async with serve_in_background(client.sandbox_app) as sandbox_url:
        env = shente_env(client, sandbox_url)
        # Ten rows claimed at a time, twenty calls a second: most claimed rows are waiting.
        slow = env | {"BROADCAST_CONCURRENCY": "10", "BROADCAST_RATE_PER_SECOND": "20"}
        proc = start_shente(slow, *command)
        try:
            async with asyncio.timeout(60):
                while len(sandbox.deliveries) < 15:
                    assert proc.returncode is None, "the sender finished before it was stopped"
                    await asyncio.sleep(0.005)
            proc.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            out = await asyncio.wait_for(proc.communicate(), 10)
            took = time.monotonic() - stopped_at
        finally:
            await proc.reap()
        assert proc.returncode == 0, out
        # It did not go on sending for seconds: a row or two in flight, then it stopped.
        assert took < 3.0, took
        at_stop = len(sandbox.deliveries)
        assert at_stop < MEMBERS // 2
        statuses = await _statuses(client, broadcast_id)
        # Nothing left claimed or in doubt: what it had not sent is pending again.
        assert statuses == Counter({"sent": at_stop, "pending": MEMBERS - at_stop}), statuses

    # The next sender takes the handed-back rows at once (no in-doubt grace to wait out). It
    # runs in this process: a second `shente` would add seconds of imports and prove no more.
    report = await sender_for(client).run(broadcast_id)
    # Nothing in doubt or requeued (what `resume` would report as 接续上次中断).
    assert not any(report.reconciled.values()), report.reconciled
    assert report.sent == MEMBERS - at_stop

    assert await _statuses(client, broadcast_id) == Counter({"sent": MEMBERS})
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})


async def _sending_until(client: AppClient, deliveries: int) -> None:
    async with asyncio.timeout(30):
        while len(client.sandbox.deliveries) < deliveries:
            await asyncio.sleep(0.005)


async def _slow_sender_app(make_client: Callable[..., Any]) -> tuple[AppClient, int]:
    client: AppClient = await make_client(broadcast_rate_per_second=20, broadcast_concurrency=10)
    return client, await make_broadcast(client, await add_members(client, 30))


async def _handed_back(client: AppClient, broadcast_id: int) -> None:
    statuses = await _statuses(client, broadcast_id)
    # Nothing claimed or in doubt; what was not sent waits for the next sender.
    assert set(statuses) == {"sent", "pending"} and statuses["pending"] >= 10, statuses
    assert sum(deliveries_by_openid(client).values()) == statuses["sent"]


async def test_a_stopping_scheduler_hands_its_senders_rows_back(
    make_client: Callable[..., Any],
) -> None:
    """The scheduler's SIGTERM closes its client's limiter: the job's sender stops at once."""
    client, broadcast_id = await _slow_sender_app(make_client)
    running = asyncio.create_task(sender_for(client).run(broadcast_id))
    await _sending_until(client, 3)
    client.state.broadcast_client.limiter.close()
    await asyncio.wait_for(running, 3)
    await _handed_back(client, broadcast_id)


async def test_a_stopping_instance_hands_its_pools_rows_back(
    make_client: Callable[..., Any],
) -> None:
    """An app instance shutting down (its lifespan on SIGTERM) stops its in-process sender."""
    client, broadcast_id = await _slow_sender_app(make_client)
    client.state.broadcasts.kick()  # the console's 立即发送
    await _sending_until(client, 3)
    await asyncio.wait_for(client.state.broadcasts.stop(5), 3)
    await _handed_back(client, broadcast_id)
