"""Urgent meeting news is exempt from the push budget: a meeting called off or moved within
24 h of its start reaches everyone even over budget, and is counted apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from app.models import Broadcast, Meeting
from tests.support.broadcasts import sender_for
from tests.support.chat import add_party_members, china, make_meeting, run_job
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock


async def _notices(client: Any, kind: str) -> list[Broadcast]:
    async with client.sessions() as session:
        found = await session.exec(select(Broadcast).where(Broadcast.kind == kind))
        return list(found.all())


async def test_a_late_cancellation_and_a_late_move_are_urgent(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=1, meeting_reminders="1d,1h")
    await admin_console(client)
    clock.set(china(2026, 12, 1, 9))
    await add_party_members(client, 2)
    called_off = await make_meeting(client, starts_at=china(2026, 12, 10, 14, 30), title="甲会")
    moved = await make_meeting(client, starts_at=china(2026, 12, 10, 16, 0), title="乙会")
    clock.set(china(2026, 12, 9, 16, 0))
    await run_job(client, "meetings.remind")  # the day-before reminders: the month's budget
    await sender_for(client).run()
    assert len(await _notices(client, "reminder")) == 2  # 乙's is merged: over the budget

    clock.set(china(2026, 12, 10, 8, 0))  # 6.5 h before 甲会
    response = await post_form(client, f"/admin/meetings/{called_off}/cancel", {})
    assert response.status_code == 303
    (notice,) = await _notices(client, "notice")
    assert notice.urgent and "已通知收到过提醒的 2 人" in (await client.get("/admin/meetings")).text

    async with client.sessions() as session:
        meeting = await session.get(Meeting, moved)
        assert meeting is not None
        meeting.starts_at += timedelta(hours=2)
        meeting.ends_at += timedelta(hours=2)
        session.add(meeting)
        await session.commit()
    clock.set(china(2026, 12, 10, 17, 0))  # an hour before the new start
    await run_job(client, "meetings.remind")
    late = [b for b in await _notices(client, "reminder") if b.created_at == clock()]
    assert len(late) == 1 and late[0].urgent
    page = (await client.get("/admin/broadcasts/budget?month=2026-12")).text
    # Each member: 甲's reminder within budget, 乙's merged, then both urgent ones sent anyway.
    assert page.count("紧急 · ") == 4 and page.count("已并入每周汇总（待汇总）") == 2
