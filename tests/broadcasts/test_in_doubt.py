"""Rows in doubt (结果待确认) keep a broadcast open: `shente` says when they are settled or
resent, and the scheduler's send_due finishes them without an operator."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from app.dev.sandbox.server import serve_in_background
from app.jobs.broadcasts import send_due
from app.models import Broadcast
from app.models.types import utcnow
from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
)
from tests.support.chat import runner_for
from tests.support.commands import run_shente, shente_env, shente_ready

TEMPLATE_SEND = "/cgi-bin/message/template/send"
# Seconds: the second `resume` must run within it. Started (imported) beside the first, it
# runs ~0.2 s after the rows fell in doubt, ~1 s on a machine with twice the work of its cores
# (6 s: CI runs browsers and the other worker beside it).
GRACE = 6


async def _broadcast(client: AppClient, broadcast_id: int) -> Broadcast:
    async with client.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        return broadcast


async def test_rows_in_doubt_keep_it_open_and_the_scheduler_finishes_them(
    make_client: Callable[..., Any],
) -> None:
    """Two answers lost at the gateway: `resume` says 发送中 and when they are resent, not
    已完成; a second resume says why it sends nothing; send_due later finishes them alone."""
    client: AppClient = await make_client(broadcast_receipt_grace_seconds=GRACE)
    members = await add_members(client, 5)
    broadcast_id = await make_broadcast(client, members)
    sandbox = client.sandbox
    sandbox.faults.html_next = 2  # the request died on the way: WeChat did nothing
    sandbox.faults.html_status = 502
    sandbox.faults.paths = [TEMPLATE_SEND]

    async with serve_in_background(client.sandbox_app) as sandbox_url:
        env = shente_env(client, sandbox_url) | {"BROADCAST_RECEIPT_GRACE_SECONDS": str(GRACE)}
        # The second is started (imported) beside the first, so it runs within the grace.
        async with shente_ready(env, "broadcasts", "resume", "--quiet") as second_resume:
            code, first = await run_shente(env, "broadcasts", "resume", "--quiet")
            assert code == 0, first
            assert (await _broadcast(client, broadcast_id)).status == "sending"
            code, second = await second_resume()
            assert code == 0, second

    assert "待确认 2" in first and "；发送中，" in first and "已完成" not in first
    assert re.search(r"2 人结果待确认：等待微信回执，.+ 仍未确认的自动重新发送", first), first
    assert "本次发出 0 条。" in second and "本次未发送" in second
    assert "2 人结果待确认：等待微信回执" in second
    broadcast = await _broadcast(client, broadcast_id)
    assert broadcast.status == "sending" and broadcast.paused_until is not None

    # No receipt came (WeChat never accepted them): once the grace is over, the scheduler.
    await asyncio.sleep(max(0.0, (broadcast.paused_until - utcnow()).total_seconds()) + 0.2)
    report = await send_due(runner_for(client).ctx)

    assert report.sent == 2
    assert Counter(r.status for r in await rows_of(client, broadcast_id)) == Counter({"sent": 5})
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members})
    assert (await _broadcast(client, broadcast_id)).status == "done"
