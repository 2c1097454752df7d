"""A meeting's invitees follow the roster until it ends: newcomers are invited and reminded."""

from __future__ import annotations

from collections import Counter

from app.models import PoliticalStage
from tests.meetings.test_console_detail import presence, rows
from tests.meetings.test_reminders import _broadcasts, _phones, _send
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china, make_meeting, run_job
from tests.support.console import admin_console, default_units


async def test_people_who_join_the_unit_after_a_meeting_is_made_are_invited_and_reminded(
    console: AppClient, clock
) -> None:
    await admin_console(console)
    units = await default_units(console)
    [old] = await add_party_members(console, 1)
    clock.set(china(2026, 12, 1, 9))
    meeting_id = await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))

    # Two new 预备党员 join a Party group of the branch the next day.
    clock.set(china(2026, 12, 2, 9))
    new = await add_party_members(
        console, 2, unit_id=units.groups[0], prefix="n", stage=PoliticalStage.PROBATIONARY
    )
    sheet = rows((await console.get(f"/admin/meetings/{meeting_id}")).text)
    assert {m.person_id for m in new} <= set(sheet)

    clock.set(china(2026, 12, 4, 14, 30))
    await run_job(console, "meetings.remind")
    await _send(console)
    assert _phones(console) == Counter({m.openid: 1 for m in [old, *new]})

    # One more joins after the day-before reminder: the hour-before one reaches them, and the
    # day-before one, already past, is not sent again.
    clock.set(china(2026, 12, 4, 18, 0))
    [later] = await add_party_members(console, 1, prefix="l", stage=PoliticalStage.PROBATIONARY)
    clock.set(china(2026, 12, 5, 13, 30))
    await run_job(console, "meetings.remind")
    await _send(console)
    assert _phones(console)[later.openid] == 1
    assert [b.key.split(":")[3] for b in await _broadcasts(console)] == ["1d", "1h"]

    # Someone who joins during the meeting is on its record, and missed it.
    clock.set(china(2026, 12, 5, 15, 0))
    [during] = await add_party_members(console, 1, prefix="d", stage=PoliticalStage.PROBATIONARY)
    clock.set(china(2026, 12, 5, 15, 1))
    await run_job(console, "meetings.remind")
    clock.set(china(2026, 12, 6, 10, 0))
    line = rows((await console.get(f"/admin/meetings/{meeting_id}")).text)[during.person_id]
    assert presence(line) == "缺席"
    await run_job(console, "meetings.follow_up")
    await _send(console)
    assert _phones(console)[during.openid] == 1


async def test_a_meeting_of_named_people_keeps_its_list_when_reminding(
    client: AppClient, clock
) -> None:
    named, _not_named = await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9))
    await make_meeting(
        client,
        starts_at=china(2026, 12, 5, 14, 30),
        invite_mode="people",
        person_ids=[named.person_id],
    )

    clock.set(china(2026, 12, 4, 14, 30))
    await run_job(client, "meetings.remind")
    await _send(client)

    assert _phones(client) == Counter({named.openid: 1})
