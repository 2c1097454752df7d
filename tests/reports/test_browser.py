"""支部概览 in a real Chromium: the vendored ECharts draws every chart under the console's CSP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlmodel import col, select

from app.db import create_engine, session_factory, unit_of_work
from app.models import OrgUnit, OrgUnitKind
from app.services.people import org_units as org_unit_service
from tests.reports.records import make_year
from tests.support.dev_app import dev_server

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "zuzhi", "browser-test-password"


async def _seed(database_url: str) -> None:
    """The year's records of tests.reports.records in the first two Party groups."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await org_unit_service.ensure_default_tree(session)
            groups = (
                await session.exec(
                    select(OrgUnit.id)
                    .where(OrgUnit.kind == OrgUnitKind.GROUP.value)
                    .order_by(col(OrgUnit.sort_order))
                )
            ).all()
            await make_year(session, unit_id=groups[0] or 0, other_unit_id=groups[1] or 0)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def reports_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app with its first admin and a year of records."""
    tmp: Path = tmp_path_factory.mktemp("reports")
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        asyncio.run(_seed(f"sqlite:///{tmp}/t.db"))
        yield base


async def test_the_charts_are_drawn_and_lead_to_their_records(
    reports_server: str, page: Page
) -> None:
    """Every chart has its canvas, the summary reads the year's figures, no script error."""
    base = reports_server
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{base}/admin/reports?year=2026")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    summary = page.get_by_test_id("report-summary")
    await expect(summary).to_contain_text("收集合理化建议 3 条，评选金点子 1 个")
    await expect(page.locator("[data-chart] canvas")).to_have_count(7)
    assert errors == []
    await page.get_by_role("link", name="三会一课与固定学习日出勤（人次）").click()
    await expect(page).to_have_url(f"{base}/admin/meetings?year=2026")
