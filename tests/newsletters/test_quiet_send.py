"""立即发送 in quiet hours: the banner says what really happened — 已暂停, why and until when —
and the progress page says the time once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.models.types import CHINA
from tests.newsletters.test_console import add_issue
from tests.support.broadcasts import add_members, deliveries_by_openid
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock

NIGHT = datetime(2026, 12, 6, 23, 10, tzinfo=CHINA)
REASON = "免打扰时段（22:00–07:30），12-07 07:30 自动继续"


async def test_sending_at_night_says_paused_until_when_and_why_once(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    """立即发送 in quiet hours: the banner says 已暂停 and why, not 已开始发送; the time once."""
    night = await make_client(quiet_hours="22:00-07:30")
    clock.set(NIGHT)
    await admin_console(night)
    await add_members(night, 2)
    issue_id = await add_issue(night)

    response = await post_form(night, f"/admin/newsletters/{issue_id}/send", {})
    assert response.status_code == 303
    page = await night.get(response.headers["location"])

    assert "已开始发送" not in page.text
    assert f"已暂停，还没有发出：{REASON}" in page.text
    assert f'data-testid="pause-reason">已暂停：{REASON}</div>' in page.text
    assert "2026-12-07 07:30" not in page.text  # the time is said once, not twice
    assert 'data-field="status_label" data-testid="status">已暂停<' in page.text
    await night.state.broadcasts.drain(10)
    assert sum(deliveries_by_openid(night).values()) == 0
