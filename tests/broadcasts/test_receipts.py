"""WeChat's receipts settle the right row, even when two broadcasts reach one member."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.models import BroadcastRecipient
from app.services.broadcasts import receipts
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, make_broadcast


async def test_a_receipt_without_a_known_msgid_settles_the_latest_send(
    client: AppClient,
) -> None:
    (member,) = await add_members(client, 1)
    old = await make_broadcast(client, [member], key="old")
    new = await make_broadcast(client, [member], key="new")
    now = client.state.clock()
    async with client.sessions() as session:
        rows = {r.broadcast_id: r for r in (await session.exec(select(BroadcastRecipient))).all()}
        # An hour ago a sender died mid-request for "old"; "new" is being sent right now.
        rows[old].status, rows[old].claimed_at, rows[old].in_doubt_since = (
            "unknown",
            now - timedelta(hours=1),
            now - timedelta(hours=1),
        )
        rows[new].status, rows[new].claimed_at = "sending", now
        session.add_all(rows.values())
        await session.commit()

        settled = await receipts.template_finished(
            session, openid=member.openid, msgid=4242, status="success", now=now
        )
        await session.commit()

    assert settled is not None and settled.broadcast_id == new and settled.msgid == 4242
    async with client.sessions() as session:
        stale = (
            await session.exec(
                select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == old)
            )
        ).one()
    assert stale.status == "unknown" and stale.receipt is None


async def test_a_refused_template_is_recorded_as_failed(client: AppClient) -> None:
    (member,) = await add_members(client, 1)
    broadcast_id = await make_broadcast(client, [member])
    async with client.sessions() as session:
        row = (await session.exec(select(BroadcastRecipient))).one()
        row.status, row.msgid = "sent", 99
        session.add(row)
        await session.commit()
        settled = await receipts.template_finished(
            session,
            openid=member.openid,
            msgid=99,
            status="failed:user block",
            now=client.state.clock(),
        )
        await session.commit()
    assert settled is not None and settled.broadcast_id == broadcast_id
    assert (settled.status, settled.reason) == ("failed", "用户拒收公众号消息")
