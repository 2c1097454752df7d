"""A sender killed with SIGKILL mid-broadcast, then `shente broadcasts resume`: each member once.

The sender runs as a real `shente` process against the app's sandbox served over HTTP; WeChat's
receipts (TEMPLATESENDJOBFINISH) come back to the app under test, as in production. The kill
runs on both databases (locks differ); the plain command-line push on the primary one only.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.dev.sandbox.server import serve_in_background
from app.models import Broadcast, BroadcastRecipient, NewsletterIssue
from app.services.newsletters import issues as newsletter_service
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, deliveries_by_openid, make_broadcast
from tests.support.commands import GRACE_SECONDS, run_shente, shente_env, start_shente

MEMBERS = 200


async def _count(client: AppClient, broadcast_id: int, status: str) -> int:
    async with client.sessions() as session:
        statement = select(func.count()).where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == status
        )
        return int((await session.exec(statement)).one())


async def _grace_over(client: AppClient, broadcast_id: int) -> None:
    """Wait until every row left in doubt is past its receipt grace, by the senders' clock."""
    async with client.sessions() as session:
        statement = select(func.max(BroadcastRecipient.in_doubt_since)).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status == "unknown",
        )
        latest = (await session.exec(statement)).one()
    if latest is not None:
        due = latest + timedelta(seconds=GRACE_SECONDS) - datetime.now(UTC)
        await asyncio.sleep(max(0.0, due.total_seconds()) + 0.05)


async def _resume(env: dict[str, str]) -> str:
    code, out = await run_shente(env, "broadcasts", "resume", "--quiet")
    assert code == 0, out
    return out


# A killed sender's rows are recovered by locks: SKIP LOCKED and advisory locks on PostgreSQL.
@pytest.mark.both_databases
async def test_sigkill_mid_broadcast_then_resume(
    make_client: Callable[..., Any],
) -> None:
    client: AppClient = await make_client()
    sandbox_app = client.sandbox_app
    sandbox = client.sandbox
    sandbox_app.state.sandbox_ctx.config.auto_job_events = True  # receipts, as WeChat sends them
    sandbox.faults.latency_ms = 40
    sandbox.faults.paths = ["/cgi-bin/message/template/send"]
    members = await add_members(client, MEMBERS)
    broadcast_id = await make_broadcast(client, members)

    async with serve_in_background(sandbox_app) as sandbox_url:
        # Ten in flight (the shared environment has three): half the members are reached in
        # about a second instead of three, and the kill leaves more rows in doubt, not fewer.
        env = shente_env(client, sandbox_url) | {"BROADCAST_CONCURRENCY": "10"}
        proc = start_shente(env, "broadcasts", "resume", "--quiet")
        try:
            # WeChat's own count, in memory: the kill must not wait for a database query.
            async with asyncio.timeout(60):
                while len(sandbox.deliveries) < MEMBERS // 2:
                    assert proc.returncode is None, "the sender finished before it was killed"
                    await asyncio.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.reap()
        at_kill = len(sandbox.deliveries)
        assert MEMBERS // 2 <= at_kill < MEMBERS, f"killed too late to prove anything: {at_kill}"
        in_flight = await _count(client, broadcast_id, "sending")
        assert in_flight > 0, "killed between two claims: nothing was in doubt"
        # Nobody has two messages, even before the resume.
        assert max(deliveries_by_openid(client, "template").values()) == 1

        first = await _resume(env)
        assert "接续上次中断" in first  # it found what the killed sender left in doubt
        await sandbox_app.state.sandbox_callbacks.drain()
        # The first resume often outlasts the grace; a fixed sleep would wait regardless.
        await _grace_over(client, broadcast_id)
        await _resume(env)
        await sandbox_app.state.sandbox_callbacks.drain()

    got = deliveries_by_openid(client, "template")
    assert got == Counter({m.openid: 1 for m in members}), {
        "duplicates": [o for o, n in got.items() if n > 1],
        "lost": [m.openid for m in members if m.openid not in got],
    }
    async with client.sessions() as session:
        rows = (
            await session.exec(
                select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
            )
        ).all()
        broadcast = await session.get(Broadcast, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": MEMBERS})
    assert broadcast is not None and broadcast.status == "done"


async def test_push_newsletter_from_the_command_line(make_client: Callable[..., Any]) -> None:
    client: AppClient = await make_client()
    members = await add_members(client, 4)
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        series = (await newsletter_service.all_series(session))[1]
        assert series.id is not None
        issue = NewsletterIssue(series_id=series.id, number=7, title="命令行发的一期", body="正文")
        session.add(issue)
        await session.commit()
    async with serve_in_background(client.sandbox_app) as sandbox_url:
        code, text = await run_shente(
            shente_env(client, sandbox_url), "push", "newsletter", str(issue.id), "--quiet"
        )
    assert code == 0, text
    assert "《神特清风》第 7 期｜命令行发的一期」：共 4 人，已发送 4" in text
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})

    code, text = await run_shente(
        shente_env(client, "http://127.0.0.1:9"), "push", "newsletter", "999999"
    )
    assert code == 1 and "这一期不存在" in text
