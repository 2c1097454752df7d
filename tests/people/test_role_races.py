"""Rules the database keeps too: one 支部书记 per unit and one running study pair, under races."""

from __future__ import annotations

import asyncio

import pytest

from app.models import AdminRole, BranchRole, StudyPair
from tests.support.app import AppClient
from tests.support.console import (
    add_person,
    add_user,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import count_rows

# Concurrent writers: PostgreSQL and SQLite lock differently.
pytestmark = pytest.mark.both_databases


async def _two_admins(console: AppClient) -> AppClient:
    await add_user(console, "admin", AdminRole.ADMIN)
    other = second_browser(console)
    for browser in (console, other):
        assert (await sign_in(browser, "admin")).status_code == 303
    return other


async def test_two_secretaries_of_one_unit_at_once_end_with_one(console: AppClient) -> None:
    """Two 任职 as 支部书记 of the same unit at the same moment: one holds it, the other is told."""
    other = await _two_admins(console)
    units = await default_units(console)
    wang = await add_person(console, "R001", "王书记", units.groups[0], stage="full")
    li = await add_person(console, "R002", "李书记", units.groups[0], stage="full")
    form = {"org_unit_id": str(units.groups[0]), "role": "secretary", "since": "2024-01-01"}
    first, second = await asyncio.gather(
        post_form(console, f"/admin/people/{wang}/roles", form),
        post_form(other, f"/admin/people/{li}/roles", form),
    )
    assert (first.status_code, second.status_code) == (303, 303)
    assert await count_rows(console, BranchRole, BranchRole.role == "secretary") == 1
    pages = [
        (await console.get(f"/admin/people/{wang}")).text,
        (await other.get(f"/admin/people/{li}")).text,
    ]
    refused = [page for page in pages if "已有支部书记" in page and "请先免去其职务。" in page]
    assert len(refused) == 1, "the one refused is told who holds the post"


async def test_the_same_pair_registered_twice_at_once_runs_once(console: AppClient) -> None:
    """Two 结对 of the same two people at once: one running pair, the other told it exists."""
    other = await _two_admins(console)
    units = await default_units(console)
    lead = await add_person(console, "P001", "带学人", units.groups[0], stage="full")
    partner = await add_person(console, "P002", "学员一", units.groups[0])
    pair = {"side": "leader", "employee_no": "P002", "started_on": "2024-03-01"}
    page = f"/admin/people/{lead}"
    url = f"{page}/study-pairs"
    responses = await asyncio.gather(post_form(console, url, pair), post_form(other, url, pair))
    assert [r.status_code for r in responses] == [303, 303]
    assert await count_rows(console, StudyPair) == 1
    shown = [(await browser.get(page)).text for browser in (console, other)]
    assert sum("带学人 与 学员一 已在结对帮学中（自 2024-03-01）。" in text for text in shown) == 1
    assert partner
