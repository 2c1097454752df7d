"""The 三会一课 year page: the grid per unit, the warnings on top, the year switcher, the scope."""

from __future__ import annotations

import re

from app.models import AdminRole, MeetingKind
from tests.support.app import AppClient
from tests.support.chat import china, make_meeting
from tests.support.console import add_user, admin_console, default_units, sign_in


def _cells(html: str) -> list[tuple[str, str]]:
    """Each grid cell's status and text, in page order."""
    found = re.findall(
        r'data-testid="year-cell" data-period="\d+" data-status="(\w+)"'
        r"[^>]*>\s*<a [^>]*>([^<]*)</a>",
        html,
    )
    return [(status, text) for status, text in found]


async def test_the_grid_and_its_warnings(console: AppClient, clock) -> None:
    await admin_console(console)
    units = await default_units(console)
    clock.set(china(2026, 1, 1))
    for month in range(1, 11):
        await make_meeting(
            console,
            starts_at=china(2026, month, 8, 9),
            kind=MeetingKind.COMMITTEE,
            org_unit_id=units.branch,
        )
    await make_meeting(
        console,
        starts_at=china(2026, 2, 12, 9),
        kind=MeetingKind.GENERAL,
        org_unit_id=units.branch,
    )
    clock.set(china(2026, 11, 20))

    page = await console.get("/admin/meetings/year?year=2026")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">会议与学习日' in html  # the meetings menu item
    assert 'data-testid="year">2026 年' in html
    assert "神特新材党支部：本月（11 月）尚未召开支委会。" in html
    assert "神特新材党支部：第二季度没有召开支部党员大会。" in html
    assert "第一党小组：10 月没有召开党小组会。" in html
    assert html.count('data-testid="year-unit"') == 4  # the branch and its three groups
    cells = _cells(html)
    # The branch: 支部党员大会 in quarters, then 支委会 in months.
    assert cells[:4] == [
        ("met", "1 次"),
        ("missing", "未召开"),
        ("missing", "未召开"),
        ("current", "本季度尚未召开（已过半）"),
    ]
    assert cells[4:16] == [("met", "1 次")] * 10 + [
        ("current", "本月尚未召开（已过半）"),
        ("future", "未到"),
    ]
    assert 'colspan="3"' in html  # a quarter spans its three months
    assert 'href="/admin/meetings?year=2026&amp;kind=committee"' in html
    assert 'href="/admin/meetings?year=2026"' in html  # 党课 covers two kinds: unfiltered


async def test_the_year_switcher_and_a_bad_year(console: AppClient, clock) -> None:
    await admin_console(console)
    await default_units(console)
    clock.set(china(2026, 11, 20))

    page = (await console.get("/admin/meetings/year?year=2027")).text
    assert 'data-testid="year">2027 年' in page
    assert "?year=2026" in page and "?year=2028" in page
    assert 'data-testid="year-warning"' not in page  # nothing is due yet
    assert "回到今年" in page

    page = (await console.get("/admin/meetings/year?year=abc")).text
    assert 'data-testid="year">2026 年' in page


async def test_a_secretary_and_a_viewer(console: AppClient, clock) -> None:
    units = await default_units(console)
    clock.set(china(2026, 11, 20))
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "look", AdminRole.VIEWER)

    assert (await sign_in(console, "sec")).status_code == 303
    page = (await console.get("/admin/meetings/year")).text
    assert page.count('data-testid="year-unit"') == 1
    assert "第一党小组：10 月没有召开党小组会。" in page
    assert "神特新材党支部" not in page
    assert "第二党小组" not in page

    console.cookies.clear()
    assert (await sign_in(console, "look")).status_code == 303
    page = (await console.get("/admin/meetings/year")).text
    assert page.count('data-testid="year-unit"') == 4  # a viewer reads everything
