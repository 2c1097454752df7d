"""A deferred reply whose process died: the sweeper marks it failed and tells the member once."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from app.jobs.messages import DEFERRED_GRACE, ORPHAN_APOLOGY
from app.models import Follower, InboundMessage
from tests.callback.test_budget import RecordingFollowUps, slow_router
from tests.support.app import AppClient
from tests.support.chat import run_job
from tests.support.console import admin_console
from tests.support.plugin import count_rows
from tests.support.wechat_peer import random_openid

JOB = "messages.orphans"


async def _row(client: AppClient, openid: str) -> InboundMessage:
    async with client.sessions() as session:
        statement = select(InboundMessage).where(
            InboundMessage.openid == openid, InboundMessage.msg_type == "text"
        )
        return (await session.exec(statement)).one()


def _apologies(client: AppClient, openid: str) -> list[str]:
    return [
        str(d.payload)
        for d in client.sandbox.deliveries
        if d.openid == openid and d.channel == "custom"
    ]


async def _deferred(client: AppClient, openid: str) -> None:
    """The member sends 「慢」 through WeChat; the slow handler gets a holding reply."""
    callbacks = client.sandbox_app.state.sandbox_callbacks
    await callbacks.subscribe(openid)
    result = await callbacks.send_text(openid, "慢")
    assert result.reply is not None and "正在处理" in str(result.reply), result
    assert (await _row(client, openid)).status == "deferred"


async def test_a_dead_processs_deferred_reply_is_settled_once(make_client, clock) -> None:
    runs: list[str] = []
    client = await make_client(
        router=slow_router(runs, 60.0),
        followups=RecordingFollowUps(),
        wechat_reply_budget_seconds=0.2,
    )
    openid = random_openid()
    await _deferred(client, openid)
    # The process dies: its handler never finishes (nothing of it is written).
    for task in list(client.state.dispatcher._background):
        task.cancel()
    await asyncio.sleep(0)

    assert (await run_job(client, JOB)).outcome == "idle"  # too young: it may still be running
    clock.advance(DEFERRED_GRACE.total_seconds() + 60)
    run = await run_job(client, JOB)
    assert run.outcome == "ok" and "1 条" in run.detail
    row = await _row(client, openid)
    assert row.status == "failed" and "中断" in (row.error or "")
    assert row.late_reply == ORPHAN_APOLOGY
    apologies = _apologies(client, openid)
    assert len(apologies) == 1 and "请重新发送" in apologies[0]

    clock.advance(600)
    assert (await run_job(client, JOB)).outcome == "idle"
    assert len(_apologies(client, openid)) == 1  # at most one apology

    await admin_console(client)
    page = await client.get("/admin/messages")
    assert "处理失败" in page.text


async def test_a_handler_alive_after_all_gives_way_to_the_sweeper(make_client, clock) -> None:
    """The sweeper claimed the row: the handler's late result is neither sent nor kept."""
    runs: list[str] = []
    followups = RecordingFollowUps()
    client = await make_client(
        router=slow_router(runs, 1.5), followups=followups, wechat_reply_budget_seconds=0.2
    )
    openid = random_openid()
    await _deferred(client, openid)
    clock.advance(DEFERRED_GRACE.total_seconds() + 60)
    assert (await run_job(client, JOB)).outcome == "ok"
    await client.state.dispatcher.drain(10)  # the slow handler finishes now

    assert runs == [openid]
    assert followups.sent == []  # its late reply was not pushed: the apology was the answer
    row = await _row(client, openid)
    assert row.status == "failed" and row.late_reply == ORPHAN_APOLOGY
    assert await count_rows(client, Follower, Follower.subscribe_scene == "slow-side-effect") == 0
    assert len(_apologies(client, openid)) == 1
