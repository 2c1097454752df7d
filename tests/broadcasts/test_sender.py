"""The sender against the sandbox: each reachable member gets exactly one message."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.broadcasts.conftest import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sandbox_of,
    sender_for,
)


async def test_every_member_gets_one_template_message(client: httpx.AsyncClient) -> None:
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


async def test_transient_errors_are_retried_and_never_duplicated(client: httpx.AsyncClient) -> None:
    members = await add_members(client, 60)
    broadcast_id = await make_broadcast(client, members)
    faults = sandbox_of(client).faults
    faults.reseed(7)
    faults.error_rate = 0.10
    faults.paths = ["/cgi-bin/message/template/send"]
    report = await sender_for(client, concurrency=10).run()
    rows = await rows_of(client, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"sent": 60}), report
    assert deliveries_by_openid(client, "template") == Counter({m.openid: 1 for m in members})
    assert sandbox_of(client).call_count("/cgi-bin/message/template/send", -1) > 0
