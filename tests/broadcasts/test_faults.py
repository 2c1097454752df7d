"""WeChat-side faults: quotas, members who left, lost answers; nobody dropped, nobody twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from app.models import Broadcast
from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sender_for,
)
from tests.support.plugin import Clock

TEMPLATE_SEND = "/cgi-bin/message/template/send"


async def _broadcast(client: AppClient, broadcast_id: int) -> Broadcast:
    async with client.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        return broadcast


async def test_quota_exhausted_half_way_pauses_and_resumes_the_next_day(
    client: AppClient, clock: Clock
) -> None:
    members = await add_members(client, 30)
    broadcast_id = await make_broadcast(client, members)
    sandbox = client.sandbox
    sandbox.faults.daily_quotas[TEMPLATE_SEND] = 15

    report = await sender_for(client, concurrency=5, clock=clock).run()

    broadcast = await _broadcast(client, broadcast_id)
    assert broadcast.status == "paused"
    assert broadcast.pause_reason and "45009" in broadcast.pause_reason
    assert report.paused == [broadcast_id]
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 15, "pending": 15})
    assert all(r.attempts == 0 for r in rows if r.status == "pending")  # a quota is no attempt
    # Before the pause ends nothing is sent, however often the sender runs.
    assert (await sender_for(client, clock=clock).run()).sent == 0

    # The next China day: WeChat's quota is back and the pause is over.
    assert broadcast.paused_until is not None
    clock.set(broadcast.paused_until + timedelta(seconds=1))
    sandbox.faults.daily_quotas[TEMPLATE_SEND] = 100_000
    report = await sender_for(client, concurrency=5, clock=clock).run()

    assert report.sent == 15
    assert (await _broadcast(client, broadcast_id)).status == "done"
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})


async def test_members_who_unfollowed_are_listed_not_retried(client: AppClient) -> None:
    members = await add_members(client, 12)
    gone = members[:3]
    for member in gone:  # they left in WeChat; our database has not heard yet
        client.sandbox.unsubscribe(member.openid)
    broadcast_id = await make_broadcast(client, members)

    await sender_for(client, concurrency=4).run()

    rows = {r.openid: r for r in await rows_of(client, broadcast_id)}
    for member in gone:
        assert rows[member.openid].status == "unreachable"
        assert rows[member.openid].errcode == 43004
        assert rows[member.openid].reason == "已取消关注公众号"
        assert rows[member.openid].attempts == 1
    assert Counter(r.status for r in rows.values()) == Counter({"sent": 9, "unreachable": 3})
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members[3:]})


async def test_a_lost_answer_is_not_resent_until_the_receipt_says_so(
    client: AppClient, clock: Clock
) -> None:
    members = await add_members(client, 4)
    broadcast_id = await make_broadcast(client, members)
    sandbox = client.sandbox
    # The first send is carried out but its answer never arrives (the client times out).
    sandbox.faults.hang_after_next = 1
    sandbox.faults.hang_seconds = 0.5
    sandbox.faults.paths = [TEMPLATE_SEND]
    client.state.broadcast_client._timeout = 0.2

    await sender_for(client, concurrency=1, clock=clock).run()

    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 3, "unknown": 1})
    doubtful = next(r for r in rows if r.status == "unknown")
    assert "可能已送达" in (doubtful.reason or "")
    # WeChat's receipt (TEMPLATESENDJOBFINISH) arrives: it proves the message went out.
    send = next(s for s in sandbox.template_sends.values() if s.openid == doubtful.openid)
    result = await client.sandbox_app.state.sandbox_callbacks.emit_job_finish(send.msgid)
    assert result.status == 200
    clock.advance(3600)  # long past the grace period: still not sent a second time
    await sender_for(client, clock=clock).run()

    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 4})
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})


async def test_an_in_doubt_row_without_receipt_is_sent_again_after_the_grace(
    client: AppClient, clock: Clock
) -> None:
    members = await add_members(client, 3)
    broadcast_id = await make_broadcast(client, members)
    sandbox = client.sandbox
    # The request dies on the way (an HTML error page from the gateway): WeChat did nothing.
    sandbox.faults.html_next = 1
    sandbox.faults.html_status = 502
    sandbox.faults.paths = [TEMPLATE_SEND]

    await sender_for(client, concurrency=1, clock=clock).run()
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 2, "unknown": 1})

    # Within the grace period nothing is resent: a receipt could still be on its way.
    clock.advance(60)
    await sender_for(client, clock=clock).run()
    assert Counter(r.status for r in await rows_of(client, broadcast_id))["unknown"] == 1

    grace = client.settings.broadcast_receipt_grace_seconds
    clock.advance(grace)
    await sender_for(client, clock=clock).run()
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 3})
    assert sorted(r.attempts for r in rows) == [1, 1, 2]  # the in-doubt one went twice…
    # …and reached the phone once: the first request never got past the gateway.
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})


async def test_a_cancelled_broadcast_sends_nothing_more(client: AppClient) -> None:
    from app.services.broadcasts import lifecycle

    members = await add_members(client, 5)
    broadcast_id = await make_broadcast(client, members)
    async with client.sessions() as session:
        cancelled = await lifecycle.cancel(
            session,
            broadcast_id=broadcast_id,
            now=client.state.clock(),
            by="admin",
        )
        await session.commit()
    assert cancelled == 5
    assert (await sender_for(client).run()).sent == 0
    assert deliveries_by_openid(client) == Counter()
    assert {r.status for r in await rows_of(client, broadcast_id)} == {"cancelled"}
