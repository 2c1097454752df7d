"""A paused broadcast in the console: it says why and until when (once), and an admin — or a
secretary for their own units' people — can 继续发送 or 立即发送（忽略免打扰）, audited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.models import AdminRole, Broadcast
from app.models.types import CHINA
from tests.support.app import AppClient
from tests.support.broadcasts import (
    Member,
    add_members,
    deliveries_by_openid,
    make_broadcast,
    sender_for,
)
from tests.support.chat import make_meeting
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock

NIGHT = datetime(2026, 12, 6, 23, 10, tzinfo=CHINA)
REASON = "免打扰时段（22:00–07:30），12-07 07:30 自动继续"


async def _status(client: AppClient, broadcast_id: int) -> str:
    async with client.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        return broadcast.status


async def _paused_at_night(client: AppClient, clock: Clock, members: list[Member]) -> int:
    broadcast_id = await make_broadcast(client, members)
    clock.set(NIGHT)
    await sender_for(client, clock=clock).run()
    assert await _status(client, broadcast_id) == "paused"
    return broadcast_id


async def test_an_admin_resumes_or_sends_now_ignoring_quiet_hours(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    """继续发送 in quiet hours keeps it paused (and says so); 立即发送（忽略免打扰） sends now."""
    night = await make_client(quiet_hours="22:00-07:30")
    members = await add_members(night, 3)
    broadcast_id = await _paused_at_night(night, clock, members)
    await admin_console(night)
    page = await night.get(f"/admin/broadcasts/{broadcast_id}")
    assert 'data-testid="resume">继续发送<' in page.text
    assert 'data-testid="resume-ignore-quiet">立即发送（忽略免打扰）<' in page.text

    response = await post_form(night, f"/admin/broadcasts/{broadcast_id}/resume", {})
    assert response.status_code == 303
    page = await night.get(response.headers["location"])
    assert f"仍然暂停：{REASON}" in page.text
    await night.state.broadcasts.drain(10)
    assert await _status(night, broadcast_id) == "paused"
    assert sum(deliveries_by_openid(night).values()) == 0

    response = await post_form(
        night, f"/admin/broadcasts/{broadcast_id}/resume", {"ignore_quiet": "1"}
    )
    assert response.status_code == 303
    page = await night.get(response.headers["location"])
    assert "已立即发送（忽略免打扰）：测试通知。" in page.text
    await night.state.broadcasts.drain(10)
    assert deliveries_by_openid(night) == Counter({m.openid: 1 for m in members})
    assert await _status(night, broadcast_id) == "done"
    summaries = [e.summary for e in await audit_entries(night, "broadcast.resume")]
    assert len(summaries) == 2
    assert any(s.startswith("立即发送（忽略免打扰）：测试通知") for s in summaries)
    assert any(s.startswith("继续发送：测试通知") for s in summaries)


async def test_a_viewer_cannot_resume_and_a_secretary_only_their_own(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    night = await make_client(quiet_hours="22:00-07:30")
    units = await default_units(night)
    mine = await add_person(night, "S001", "本组成员", units.groups[0])
    theirs = await add_person(night, "S002", "他组成员", units.groups[1])
    own = await _paused_at_night(night, clock, [Member(mine, "")])
    # What a unit sends is that unit's: here, a meeting of the secretary's group.
    meeting_id = await make_meeting(
        night, starts_at=NIGHT + timedelta(days=2), org_unit_id=units.groups[0]
    )
    async with night.sessions() as session:
        broadcast = await session.get(Broadcast, own)
        assert broadcast is not None
        broadcast.subject_type, broadcast.subject_id = "meeting", meeting_id
        session.add(broadcast)
        await session.commit()
    # One to the whole organisation (no subject): admins only.
    both = await make_broadcast(night, [Member(mine, ""), Member(theirs, "")], key="both")
    await sender_for(night, clock=clock).run()
    assert await _status(night, both) == "paused"

    await add_user(night, "viewer", AdminRole.VIEWER)
    await sign_in(night, "viewer")
    page = await night.get(f"/admin/broadcasts/{own}")
    assert "继续发送" not in page.text and "忽略免打扰" not in page.text
    refused = await post_form(night, f"/admin/broadcasts/{own}/resume", {"ignore_quiet": "1"})
    assert refused.status_code == 403

    secretary = second_browser(night)
    await add_user(night, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(secretary, "sec")
    assert "继续发送" not in (await secretary.get(f"/admin/broadcasts/{both}")).text
    path = f"/admin/broadcasts/{both}/resume"
    refused = await post_form(secretary, path, {"ignore_quiet": "1"}, page="/admin/broadcasts")
    assert refused.status_code == 403
    assert await _status(night, both) == "paused"
    assert "继续发送" in (await secretary.get(f"/admin/broadcasts/{own}")).text
    path = f"/admin/broadcasts/{own}/resume"
    allowed = await post_form(secretary, path, {"ignore_quiet": "1"}, page="/admin/broadcasts")
    assert allowed.status_code == 303
    await night.state.broadcasts.drain(10)
    assert await _status(night, own) != "paused"
    (entry,) = await audit_entries(night, "broadcast.resume")
    assert entry.target_id == str(own)
