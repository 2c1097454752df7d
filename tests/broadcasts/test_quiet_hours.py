"""Quiet hours: no push reaches a phone at night; a broadcast waits and resumes by itself."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.models import Broadcast
from app.models.types import CHINA
from app.timing import QuietHours
from tests.support.app import AppClient
from tests.support.broadcasts import (
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
    sender_for,
)
from tests.support.plugin import Clock

NIGHT = QuietHours.parse("22:00-07:30")


def china(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (china(23, 0), china(7, 30, day=2)),
        (china(22, 0), china(7, 30, day=2)),
        (china(6, 59), china(7, 30)),
        (china(7, 30), None),
        (china(12, 0), None),
        (china(21, 59), None),
    ],
)
def test_the_night_window(now: datetime, until: datetime | None) -> None:
    assert NIGHT is not None
    assert NIGHT.until(now) == until


def test_a_window_inside_the_day_and_off() -> None:
    lunch = QuietHours.parse("12:00-13:30")
    assert lunch is not None and lunch.until(china(12, 15)) == china(13, 30)
    assert lunch.until(china(14, 0)) is None
    assert QuietHours.parse("off") is None


@pytest.mark.parametrize("bad", ["夜间", "22:00", "25:00-07:00", "08:00-08:00"])
def test_a_malformed_window_stops_start_up(bad: str) -> None:
    with pytest.raises(ValidationError, match="quiet"):
        Settings(_env_file=None, quiet_hours=bad)


async def _broadcast(client: AppClient, broadcast_id: int) -> Broadcast:
    async with client.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        return broadcast


async def test_a_broadcast_at_night_waits_for_the_morning(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(quiet_hours="22:00-07:30")
    members = await add_members(client, 5)
    broadcast_id = await make_broadcast(client, members)
    clock.set(china(23, 10))

    report = await sender_for(client, clock=clock).run()

    assert report.sent == 0 and deliveries_by_openid(client) == Counter()
    broadcast = await _broadcast(client, broadcast_id)
    assert broadcast.status == "paused"
    assert broadcast.pause_reason == "免打扰时段（22:00–07:30），12-02 07:30 自动继续"

    clock.set(china(7, 31, day=2))
    report = await sender_for(client, clock=clock).run()
    assert report.sent == 5
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members})


async def test_an_urgent_broadcast_goes_out_at_night(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(quiet_hours="22:00-07:30")
    members = await add_members(client, 2)
    message = {"text": "紧急通知", "template": {"thing1": "紧急通知"}, "urgent": True}
    await make_broadcast(client, members, message=message)
    clock.set(china(2, 0))
    assert (await sender_for(client, clock=clock).run()).sent == 2


async def test_quiet_hours_beginning_mid_broadcast_pause_the_rest(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(quiet_hours="22:00-07:30")
    members = await add_members(client, 60)
    broadcast_id = await make_broadcast(client, members)
    client.sandbox.faults.latency_ms = 50
    client.sandbox.faults.paths = ["/cgi-bin/message/template/send"]
    clock.set(china(21, 59) + timedelta(seconds=59))

    async def ten_oclock() -> None:
        # 22:00 strikes once the first messages are out (on a loaded machine the sender may
        # take longer than any fixed delay to start).
        while not client.sandbox.deliveries:
            await asyncio.sleep(0.01)
        clock.set(china(22, 0) + timedelta(seconds=1))

    night = asyncio.create_task(ten_oclock())
    await sender_for(client, concurrency=2, clock=clock).run()
    await night

    counts = Counter(r.status for r in await rows_of(client, broadcast_id))
    assert counts["sent"] > 0 and counts["pending"] > 0, counts
    assert (await _broadcast(client, broadcast_id)).status == "paused"
    clock.set(china(7, 30, day=2))
    await sender_for(client, concurrency=10, clock=clock).run()
    assert deliveries_by_openid(client) == Counter({m.openid: 1 for m in members})
