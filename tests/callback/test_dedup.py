"""WeChat's retries: the same delivery gets the same bytes and repeats no side effect."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import delete, select

from app.models import Follower, InboundMessage
from app.wechat.dedup import dedup_key
from tests.callback.test_budget import slow_router
from tests.support.plugin import count_rows
from tests.support.wechat_peer import random_openid

# Concurrent duplicates are settled by a unique key: each database's locking differs.
pytestmark = pytest.mark.both_databases


async def _deliver(client, params, body):
    return await client.post("/wechat", params=params, content=body)


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_retry_gets_identical_bytes_and_no_second_side_effect(client, peer, mode):
    openid = random_openid()
    params, body = peer.request(peer.event(openid, "subscribe"), mode)
    first = await _deliver(client, params, body)
    # WeChat's retries carry a new nonce and timestamp but the same message.
    retries = [
        await _deliver(
            client,
            *peer.request(peer.event(openid, "subscribe", create_time=int(peer.timestamp())), mode),
        )
        for _ in range(2)
    ]
    assert first.status_code == 200
    assert all(r.content == first.content for r in retries)
    assert "欢迎关注" in peer.open_reply(first.text)["Content"]
    assert await count_rows(client, InboundMessage) == 1
    async with client.sessions() as session:
        follower = (await session.exec(select(Follower).where(Follower.openid == openid))).one()
    assert follower.subscribe_count == 1


async def test_concurrent_deliveries_are_claimed_once(client, peer):
    openid = random_openid()
    xml = peer.text(openid, "帮助", msg_id=987654321)
    deliveries = [peer.request(xml, "safe") for _ in range(4)]
    responses = await asyncio.gather(*(_deliver(client, p, b) for p, b in deliveries))
    bodies = {r.content for r in responses if r.text != "success"}
    assert all(r.status_code == 200 for r in responses)
    assert len(bodies) == 1
    assert await count_rows(client, InboundMessage) == 1


async def test_distinct_messages_are_not_confused(client, peer):
    openid = random_openid()
    await _deliver(client, *peer.request(peer.text(openid, "帮助"), "plain"))
    await _deliver(client, *peer.request(peer.text(openid, "帮助"), "plain"))
    await _deliver(client, *peer.request(peer.event(openid, "CLICK", "A"), "plain"))
    await _deliver(client, *peer.request(peer.event(openid, "CLICK", "B"), "plain"))
    assert await count_rows(client, InboundMessage) == 4


async def test_duplicates_are_counted(client, peer):
    xml = peer.text(random_openid(), "帮助")
    for _ in range(3):
        await _deliver(client, *peer.request(xml, "plain"))
    metrics = (await client.get("/metrics")).text
    assert "shente_wechat_duplicates_total 2.0" in metrics


def test_keys_follow_wxjava():
    base = {"FromUserName": "o1", "CreateTime": "100"}
    assert dedup_key(base | {"MsgId": "42"}) == "msg:42:o1:100"
    assert dedup_key(base | {"Event": "LOCATION"}) == "evt:o1:100:LOCATION:"
    assert dedup_key(base | {"Event": "CLICK", "EventKey": "K"}) == "evt:o1:100:CLICK:K"
    # Two receipts in one second for one member are two receipts (they carry MsgID).
    receipt = base | {"Event": "TEMPLATESENDJOBFINISH"}
    assert dedup_key(receipt | {"MsgID": "7"}) != dedup_key(receipt | {"MsgID": "8"})
    long_key = dedup_key(base | {"Event": "CLICK", "EventKey": "k" * 300})
    assert long_key.startswith("sha256:") and len(long_key) < 255


async def test_redis_answers_retries_of_late_answers(make_client, peer, backend):
    if backend.redis_url is None:
        pytest.skip("Redis fast path runs with the PostgreSQL backend")
    # A budget of 0.4 s: an answer taking 0.2 s is late enough (a quarter) to be retried.
    client = await make_client(
        router=slow_router([], 0.2), wechat_reply_budget_seconds=0.4, wechat_message_mode="plain"
    )
    xml = peer.text(random_openid(), "慢")
    first = await _deliver(client, *peer.request(xml, "plain"))
    keys = await client.state.redis.keys(f"{backend.redis_prefix}answer:*")
    assert len(keys) == 1
    # The answer is cached just after it left (the request does not wait for Redis).
    async with asyncio.timeout(2):
        while not await client.state.redis.get(keys[0]):
            await asyncio.sleep(0.01)
    # Even with the database row gone, the retry is answered from Redis, byte for byte.
    async with client.state.engine.begin() as conn:
        await conn.execute(delete(InboundMessage))
    retry = await _deliver(client, *peer.request(xml, "plain"))
    assert retry.content == first.content


async def test_prompt_answers_are_only_marked_and_retries_come_from_the_database(
    client, peer, backend
):
    if backend.redis_url is None:
        pytest.skip("Redis fast path runs with the PostgreSQL backend")
    xml = peer.text(random_openid(), "帮助")
    first = await _deliver(client, *peer.request(xml, "plain"))
    keys = await client.state.redis.keys(f"{backend.redis_prefix}answer:*")
    assert len(keys) == 1
    await client.state.dispatcher.drain(1)
    assert await client.state.redis.get(keys[0]) == b""  # seen, its answer not kept
    retry = await _deliver(client, *peer.request(xml, "plain"))
    assert retry.content == first.content
    assert await count_rows(client, InboundMessage) == 1
    metrics = (await client.get("/metrics")).text
    assert "shente_wechat_duplicates_total 1.0" in metrics


async def test_retry_after_redis_forgot_is_answered_from_the_database(client, peer, backend):
    if backend.redis_url is None:
        pytest.skip("Redis fast path runs with the PostgreSQL backend")
    openid = random_openid()
    first = await _deliver(client, *peer.request(peer.event(openid, "subscribe"), "plain"))
    # Redis restarted empty: the retry looks like a first sighting, and runs the handler again;
    # the database's row still decides the answer, and the second attempt's work is undone.
    redis = client.state.redis
    for key in await redis.keys(f"{backend.redis_prefix}*"):
        await redis.delete(key)
    retry = await _deliver(
        client,
        *peer.request(peer.event(openid, "subscribe", create_time=int(peer.timestamp())), "plain"),
    )
    assert retry.content == first.content
    assert await count_rows(client, InboundMessage) == 1
    async with client.sessions() as session:
        follower = (await session.exec(select(Follower).where(Follower.openid == openid))).one()
    assert follower.subscribe_count == 1


async def test_redis_unreachable_leaves_the_database_to_decide(make_client, peer):
    client = await make_client(redis_url="redis://127.0.0.1:1/0")
    xml = peer.text(random_openid(), "帮助")
    first = await _deliver(client, *peer.request(xml, "plain"))
    retry = await _deliver(client, *peer.request(xml, "plain"))
    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content and "帮助" in first.text
    assert await count_rows(client, InboundMessage) == 1
    await client.state.redis.aclose()
    client.state.redis = None  # nothing to clean up in a Redis that was never there
