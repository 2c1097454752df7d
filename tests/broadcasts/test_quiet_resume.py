"""A quiet-hours pause is judged by the settings of now, not only by the time it stored: after
QUIET_HOURS=off and a restart, `shente broadcasts resume` and the scheduler send it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app.dev.sandbox.server import serve_in_background
from app.jobs.broadcasts import send_due
from app.models import Broadcast
from app.models.types import CHINA, utcnow
from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sender_for,
)
from tests.support.chat import runner_for
from tests.support.commands import run_shente, shente_env


async def _broadcast(client: AppClient, broadcast_id: int) -> Broadcast:
    async with client.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        return broadcast


def _quiet_hours_around_now() -> str:
    """A quiet window (China time) that holds the real time now: `shente` runs on real time."""
    local = utcnow().astimezone(CHINA)
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    return f"{start:%H:%M}-{end:%H:%M}"


async def test_quiet_hours_switched_off_and_restarted_then_resume_sends(
    make_client: Callable[..., Any],
) -> None:
    """Paused for quiet hours; QUIET_HOURS=off and a restart: `shente broadcasts resume` sends
    everything, and nothing is left pending."""
    client: AppClient = await make_client(quiet_hours=_quiet_hours_around_now())
    members = await add_members(client, 3)
    broadcast_id = await make_broadcast(client, members)
    await sender_for(client).run()  # the running app's sender, at night by its settings
    paused = await _broadcast(client, broadcast_id)
    assert paused.status == "paused" and paused.paused_until is not None
    assert paused.paused_until > utcnow() + timedelta(minutes=30)

    async with serve_in_background(client.sandbox_app) as sandbox_url:
        env = shente_env(client, sandbox_url)  # QUIET_HOURS=off: the restarted settings
        code, out = await run_shente(env, "broadcasts", "resume", "--quiet")

    assert code == 0, out
    assert "本次发出 3 条。" in out
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members})
    assert Counter(r.status for r in await rows_of(client, broadcast_id)) == Counter({"sent": 3})
    assert (await _broadcast(client, broadcast_id)).status == "done"


async def test_the_scheduler_resumes_a_quiet_pause_by_the_settings_of_now(
    make_client: Callable[..., Any],
) -> None:
    """The same after a restart of the scheduler: its send_due job sends by itself."""
    night: AppClient = await make_client(quiet_hours=_quiet_hours_around_now())
    members = await add_members(night, 2)
    broadcast_id = await make_broadcast(night, members)
    await sender_for(night).run()
    assert (await _broadcast(night, broadcast_id)).status == "paused"
    assert (await send_due(runner_for(night).ctx)).sent == 0  # still quiet by these settings

    restarted: AppClient = await make_client(quiet_hours="off")
    for member in members:  # the same WeChat account, as the restarted app's sandbox knows it
        restarted.sandbox.add_follower(member.openid)
    report = await send_due(runner_for(restarted).ctx)

    assert report.sent == 2
    assert deliveries_by_openid(restarted) == Counter({m.openid: 1 for m in members})
    assert (await _broadcast(night, broadcast_id)).status == "done"
