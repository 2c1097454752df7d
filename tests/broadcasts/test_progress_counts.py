"""Progress is sent / reachable; the unreachable are counted apart, never as done."""

from __future__ import annotations

import re

from tests.support.app import AppClient
from tests.support.broadcasts import (
    Member,
    add_members,
    make_broadcast,
    sender_for,
)
from tests.support.console import add_person, admin_console


async def test_progress_is_sent_of_reachable_with_the_unreachable_apart(
    client: AppClient,
) -> None:
    """7 people without WeChat and 1 member not yet sent: 0 %, not 87 %; then 100 %."""
    await admin_console(client)
    (member,) = await add_members(client, 1)
    unbound = [
        Member(await add_person(client, f"U{i:03d}", f"未绑{i}", None), "") for i in range(7)
    ]
    broadcast_id = await make_broadcast(client, [member, *unbound])

    figures = (await client.get(f"/admin/broadcasts/{broadcast_id}/progress.json")).json()
    assert (figures["percent"], figures["reachable"], figures["counts"]["unreachable"]) == (
        0,
        1,
        7,
    )
    page = await client.get(f"/admin/broadcasts/{broadcast_id}")
    assert re.search(r'data-field="percent">0<', page.text)
    shown = re.sub(r"<[^>]+>", "", page.text)
    assert "已发送 0 / 可送达 1 人，另有 7 人无法送达（不计入进度）" in shown

    await sender_for(client).run()
    figures = (await client.get(f"/admin/broadcasts/{broadcast_id}/progress.json")).json()
    assert (figures["percent"], figures["counts"]["sent"]) == (100, 1)
