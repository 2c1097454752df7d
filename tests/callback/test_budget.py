"""WeChat's 5-second deadline: slow handlers get a holding reply and finish in the background."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from app.handlers import build_router
from app.handlers.runtime import APOLOGY_TEXT, HOLDING_TEXT
from app.models import Follower, InboundMessage
from tests.support.plugin import count_rows
from tests.support.wechat_peer import random_openid


class RecordingFollowUps:
    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    async def send(self, *, openid: str, reply: object) -> None:
        self.sent.append((openid, reply))


def slow_router(runs: list[str], seconds: float):
    router = build_router()

    @router.text("慢")
    async def slow(ctx):
        runs.append(ctx.openid)
        await asyncio.sleep(seconds)
        ctx.session.add(Follower(openid=ctx.openid, subscribe_scene="slow-side-effect"))
        return "慢慢来的结果"

    @router.text("坏")
    async def broken(ctx):
        runs.append(ctx.openid)
        raise RuntimeError("a bug")

    return router


async def _row(client, openid):
    async with client.sessions() as session:
        return (
            await session.exec(select(InboundMessage).where(InboundMessage.openid == openid))
        ).one()


async def test_slow_handler_gets_a_holding_reply_and_finishes_once(make_client, peer):
    runs: list[str] = []
    followups = RecordingFollowUps()
    client = await make_client(
        router=slow_router(runs, 2.0), followups=followups, wechat_reply_budget_seconds=0.2
    )
    openid = random_openid()
    xml = peer.text(openid, "慢")

    first = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    # The holding reply went out before the 2-second handler finished (judged by what happened,
    # not by a wall clock that a loaded machine stretches).
    assert first.status_code == 200 and followups.sent == []
    assert peer.open_reply(first.text)["Content"] == HOLDING_TEXT
    assert (await _row(client, openid)).status == "deferred"

    # A retry while the handler still runs: the same bytes, and the handler is not run again.
    retry = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    assert retry.content == first.content

    await client.state.dispatcher.drain(5)
    row = await _row(client, openid)
    assert row.status == "done" and "慢慢来的结果" in (row.late_reply or "")
    assert followups.sent == [(openid, "慢慢来的结果")]
    assert await count_rows(client, Follower, Follower.openid == openid) == 1  # side effect kept

    late_retry = await client.post(
        "/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1]
    )
    assert late_retry.content == first.content
    assert runs == [openid]


async def test_fast_handler_is_not_deferred(make_client, peer):
    # A budget a loaded CI worker's first 帮助 (a few queries) stays well inside.
    client = await make_client(wechat_reply_budget_seconds=2.0)
    openid = random_openid()
    response = await client.post(
        "/wechat", params=(d := peer.request(peer.text(openid, "帮助"), "plain"))[0], content=d[1]
    )
    assert "「帮助」" in peer.open_reply(response.text)["Content"]
    assert (await _row(client, openid)).status == "replied"


async def test_failing_handler_apologises_once(make_client, peer):
    runs: list[str] = []
    client = await make_client(router=slow_router(runs, 0))
    openid = random_openid()
    xml = peer.text(openid, "坏")
    first = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    again = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    assert first.status_code == 200
    assert peer.open_reply(first.text)["Content"] == APOLOGY_TEXT
    assert again.content == first.content
    row = await _row(client, openid)
    assert row.status == "failed" and "a bug" in (row.error or "")
    assert runs == [openid]


async def test_database_failure_mid_handler_leaves_nothing_and_the_retry_succeeds(
    make_client, peer
):
    """The handler's writes and the message row commit together, or not at all."""
    from sqlalchemy.exc import OperationalError

    runs: list[str] = []
    router = build_router()

    @router.text("断")
    async def flaky(ctx):
        runs.append(ctx.openid)
        ctx.session.add(Follower(openid=ctx.openid, subscribe_scene="side-effect"))
        await ctx.session.flush()
        if len(runs) == 1:
            raise OperationalError("INSERT …", {}, ConnectionResetError("server closed"))
        return "好了"

    client = await make_client(router=router)
    openid = random_openid()
    xml = peer.text(openid, "断")
    first = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    assert first.status_code == 503
    assert await count_rows(client, InboundMessage) == 0
    assert await count_rows(client, Follower) == 0  # the side effect rolled back with it
    retry = await client.post("/wechat", params=(d := peer.request(xml, "safe"))[0], content=d[1])
    assert peer.open_reply(retry.text)["Content"] == "好了"
    assert await count_rows(client, InboundMessage) == 1
    assert await count_rows(client, Follower) == 1


# Concurrent deliveries race on a unique key: locking differs by database.
@pytest.mark.both_databases
async def test_concurrent_duplicates_apply_the_side_effect_once(make_client, peer):
    """Two deliveries racing through a slow handler: one wins, the other's writes roll back."""
    from app.services.binding import followers as follower_service

    runs: list[str] = []
    router = build_router()

    @router.text("加一")
    async def increment(ctx):
        runs.append(ctx.openid)
        follower = await follower_service.get_by_openid(ctx.session, openid=ctx.openid)
        assert follower is not None
        follower.subscribe_count += 1
        await ctx.session.flush()
        await asyncio.sleep(0.1)
        return f"第{follower.subscribe_count}次"

    client = await make_client(router=router)
    openid = random_openid()
    async with client.sessions() as session:
        session.add(Follower(openid=openid, subscribe_count=0))
        await session.commit()
    xml = peer.text(openid, "加一")
    requests = [peer.request(xml, "plain") for _ in range(2)]
    responses = await asyncio.gather(
        *(client.post("/wechat", params=p, content=b) for p, b in requests)
    )
    assert responses[0].content == responses[1].content
    assert await count_rows(client, InboundMessage) == 1
    async with client.sessions() as session:
        follower = (await session.exec(select(Follower).where(Follower.openid == openid))).one()
    assert follower.subscribe_count == 1


async def test_late_reply_reaches_the_member_through_the_sandbox(make_client):
    """End to end: the sandbox plays WeChat, the late reply arrives as a customer-service text."""
    client = await make_client(router=slow_router([], 0.5), wechat_reply_budget_seconds=0.2)
    sandbox = client.sandbox_app.state
    member = sandbox.sandbox.add_follower(nickname="测试党员")
    result = await sandbox.sandbox_callbacks.send_text(member.openid, "慢")
    assert result.status == 200 and result.reply["content"] == HOLDING_TEXT
    await client.state.dispatcher.drain(5)
    pushed = [d for d in sandbox.sandbox.deliveries_for(member.openid) if d.channel == "custom"]
    assert [d.payload["content"] for d in pushed] == ["慢慢来的结果"]
