"""A burst of callbacks larger than the database pool: every one answered, none waiting on the
pool (a delivery never holds two pooled connections, or a full pool would wait on itself)."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import select

from app.models import InboundMessage
from tests.support.plugin import post
from tests.support.wechat_peer import random_openid

BURST = 80  # the pool holds 20 (+10 overflow): more than twice that at once


async def test_a_burst_beyond_the_pool_is_answered_at_once(make_client, peer):
    # Without Redis every delivery first asks the database whether it was answered before,
    # then its handler writes (a new follower) in its own transaction.
    client = await make_client(redis_url="")
    responses = await asyncio.gather(
        *(post(client, peer, peer.event(random_openid(), "subscribe")) for _ in range(BURST))
    )

    assert [r.status_code for r in responses] == [200] * BURST
    async with client.sessions() as session:
        statuses = Counter((await session.exec(select(InboundMessage.status))).all())
    # A pool waiting on itself: holding replies at the reply budget, then failures at the
    # pool's 5 s time-out. Answered at once, every one is `replied`.
    assert statuses == Counter({"replied": BURST})
