"""A suggestion sent from the phone simulator and taken to 金点子 in the console, in a real
Chromium against the dev server. The database gets, through the models, the simulator's first
WeChat (王建国（演示）) bound to a person and a campaign; everything else happens in the browser.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from app.db import create_engine, session_factory, unit_of_work
from app.dev.demo.people import DEMO_OPENIDS
from app.models import Follower, Person, PoliticalStage, SuggestionCampaign
from app.models.types import utcnow
from app.services.people import org_units as org_unit_service
from tests.support.browser import NewContext
from tests.support.dev_app import dev_server, migrated_copy

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "qunzheng", "browser-test-password"
STEP_TIMEOUT_MS = 10_000
IDEA = "铸造车间冷却水改为闭式循环，夏季加装板式换热器。"


async def _seed(database_url: str) -> None:
    """王建国 in the branch, bound to the simulator's first WeChat; this year's campaign."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await org_unit_service.ensure_default_tree(session)
            person = Person(
                employee_no="ST001", name="王建国", org_unit_id=branch.id,
                stage=PoliticalStage.FULL.value,
            )  # fmt: skip
            session.add(person)
            await session.flush()
            session.add(Follower(openid=DEMO_OPENIDS[0], person_id=person.id, bound_at=utcnow()))
            session.add(SuggestionCampaign(name="「我为创业创效献一策」金点子评选"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app with its first admin, a bound member and a campaign."""
    tmp: Path = tmp_path_factory.mktemp("suggestions")
    asyncio.run(_seed(migrated_copy(tmp)))
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base


async def test_a_suggestion_from_the_phone_becomes_a_golden_idea(
    server: str, page: Page, new_context: NewContext
) -> None:
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    phone = await (await new_context(viewport={"width": 1280, "height": 900})).new_page()
    phone.set_default_timeout(STEP_TIMEOUT_MS)

    # WeChat: 参与 → 提建议, then the suggestion's text; the reply gives its number.
    await phone.goto(f"{server}/dev/")
    await phone.get_by_test_id("member-item").filter(has_text="王建国（演示）").click()
    await phone.get_by_test_id("menu-top").filter(has_text="参与").click()
    await (
        phone.get_by_test_id("menu-popup")
        .get_by_test_id("menu-item")
        .filter(has_text="提建议")
        .click()
    )
    replies = phone.get_by_test_id("message-account")
    await expect(replies.filter(has_text="请直接回复您的合理化建议").last).to_be_visible()
    await phone.get_by_test_id("text-input").fill(IDEA)
    await phone.get_by_test_id("send-button").click()
    confirmed = replies.filter(has_text="已收到您的合理化建议").last
    await expect(confirmed).to_be_visible()
    found = re.search(r"编号 (\d{4}-\d{4})", await confirmed.inner_text())
    assert found, await confirmed.inner_text()
    number = found.group(1)

    # The console: find it by its number, and take it through every decision.
    await page.goto(f"{server}/admin/suggestions?text={number}")
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name=number).click()
    await expect(page.get_by_test_id("content")).to_have_text(IDEA)
    for action in ("review", "adopt", "implementing", "implemented"):
        await page.get_by_test_id(f"do-{action}").click()
        await expect(page.get_by_test_id(f"do-{action}")).to_have_count(0)
    verify = page.get_by_test_id("decide-verify")
    await verify.get_by_label("核定效益").fill("12000")
    await verify.get_by_label("核定依据").fill("设备部测算：年节水 8000 吨")
    await verify.get_by_test_id("do-verify").click()
    await expect(page.get_by_test_id("verified")).to_contain_text("¥12,000.00")
    award = page.get_by_test_id("decide-award")
    await award.get_by_label("奖项").fill("一等奖")
    await award.get_by_test_id("do-award").click()
    await expect(page.get_by_test_id("status")).to_have_text("金点子 · 一等奖")
    await expect(page.get_by_test_id("timeline-entry")).to_have_count(7)
    assert errors == []
