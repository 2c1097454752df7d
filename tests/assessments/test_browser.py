"""A month's 三亮三挂三考核 end to end in a real Chromium against the dev server: the console
signs the filled month off, the member opens only their own sheet from the chat, votes in the
branch's 民主评议 without their name on the ballot, and the 台账 carries the signed-off sheet.

The database gets, through the services, before the server starts: the branch with three full
members (王建国 bound to the simulator's first WeChat), the default monthly scheme, last month's
sheets filled as the month-end job fills them, and an open appraisal round with voting open now.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Locator, Page, expect
from sqlmodel import select

from app.db import create_engine, session_factory, unit_of_work
from app.dev.demo.people import DEMO_OPENIDS
from app.models import (
    AppraisalBallot,
    AppraisalVoter,
    AssessmentPeriod,
    AssessmentSheet,
    Follower,
    Person,
    PoliticalStage,
)
from app.models.types import china_today, utcnow
from app.services import audit
from app.services.appraisal import rounds
from app.services.appraisal.rounds import Windows
from app.services.assessments import filling
from app.services.people import org_units as org_unit_service
from tests.assessments.support import default_scheme
from tests.support.browser import NewContext
from tests.support.dev_app import dev_server, migrated_copy

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "shuji", "browser-test-password"
STEP_TIMEOUT_MS = 10_000
MEMBER = ("ST001", "王建国")
OTHERS = [("ST002", "李红梅"), ("ST003", "张志强")]


@dataclass(frozen=True)
class Seeded:
    """What the test put in the server's database."""

    database_url: str
    period_id: int
    period_name: str  # 2026年11月
    sheets: dict[str, int]  # name → sheet id
    round_id: int
    year: int


def _last_month() -> date:
    """The first day of the month before this one (China)."""
    this_month = china_today().replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1)


async def _seed(database_url: str) -> Seeded:
    """The branch's members, last month's sheets filled, an appraisal round open for voting."""
    engine = create_engine(database_url)
    now = utcnow()
    month = _last_month()
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await org_unit_service.ensure_default_tree(session)
            assert branch.id is not None
            people = [
                Person(
                    employee_no=number,
                    name=name,
                    org_unit_id=branch.id,
                    stage=PoliticalStage.FULL.value,
                )
                for number, name in [MEMBER, *OTHERS]
            ]
            session.add_all(people)
            await session.flush()
            session.add(Follower(openid=DEMO_OPENIDS[0], person_id=people[0].id, bound_at=now))
            # The month-end job's work: the scheme in force, the ended month filled.
            await default_scheme(session, since=month)
            filled = await filling.run_due(session, now=now)
            assert filled.filled, "last month was not filled"
            period = (
                await session.exec(
                    select(AssessmentPeriod).where(AssessmentPeriod.starts_on == month)
                )
            ).one()
            sheets = {
                person.name: sheet.id or 0
                for person in people
                for sheet in (
                    await session.exec(
                        select(AssessmentSheet).where(
                            AssessmentSheet.period_id == period.id,
                            AssessmentSheet.person_id == person.id,
                        )
                    )
                ).all()
            }
            assert len(sheets) == len(people)
            # 民主评议: self-assessment and voting open now; nobody is told (no settings).
            windows = Windows(
                self_opens_at=now - timedelta(hours=1),
                self_closes_at=now + timedelta(days=2),
                vote_opens_at=now - timedelta(hours=1),
                vote_closes_at=now + timedelta(days=2),
            )
            actor = audit.Actor(id=None, name="书记")
            appraisal = await rounds.create(
                session,
                year=china_today().year,
                unit_id=branch.id,
                windows=windows,
                actor=actor,
                now=now,
            )
            await rounds.open_round(
                session, appraisal=appraisal, settings=None, actor=actor, now=now
            )
            assert period.id is not None and appraisal.id is not None
            return Seeded(
                database_url=database_url,
                period_id=period.id,
                period_name=f"{month.year}年{month.month}月",
                sheets=sheets,
                round_id=appraisal.id,
                year=month.year,
            )
    finally:
        await engine.dispose()


async def _ballots(database_url: str, round_id: int) -> tuple[list[str], int]:
    """The round's stored ratings and how many people are recorded as having voted."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            ratings = (
                await session.exec(
                    select(AppraisalBallot.rating).where(AppraisalBallot.round_id == round_id)
                )
            ).all()
            voters = (
                await session.exec(
                    select(AppraisalVoter).where(AppraisalVoter.round_id == round_id)
                )
            ).all()
            return list(ratings), len(voters)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The dev app with its first admin and the seeded month and round."""
    tmp: Path = tmp_path_factory.mktemp("assessments")
    seeded = asyncio.run(_seed(migrated_copy(tmp)))
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base, seeded


async def _say(phone: Page, text: str, expected: str) -> Locator:
    """Send a text from the simulator; the account's reply containing `expected`."""
    await phone.get_by_test_id("text-input").fill(text)
    await phone.get_by_test_id("send-button").click()
    reply = phone.get_by_test_id("message-account").filter(has_text=expected).last
    await expect(reply).to_be_visible()
    return reply


async def test_a_month_signed_off_seen_by_its_member_an_anonymous_vote_and_the_ledger(
    server: tuple[str, Seeded], page: Page, new_context: NewContext
) -> None:
    base, seeded = server
    name = MEMBER[1]
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    phone_context = await new_context(viewport={"width": 1280, "height": 900})
    phone = await phone_context.new_page()
    phone.set_default_timeout(STEP_TIMEOUT_MS)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))

    # The console: 考核 → last month → 签发.
    await page.goto(f"{base}/admin/assessments")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name=seeded.period_name, exact=True).click()
    await expect(page).to_have_url(f"{base}/admin/assessments/periods/{seeded.period_id}")
    await expect(page.get_by_test_id("sheets")).to_contain_text(name)
    await expect(page.get_by_test_id("period-status")).not_to_have_text("已签发")
    await page.get_by_test_id("sign-off").click()
    await expect(page.get_by_test_id("period-status")).to_have_text("已签发")
    await expect(page.get_by_test_id("sign-off")).to_have_count(0)

    # The member: 「我的考核」 in WeChat, the reply's link, WeChat (the sandbox) names them.
    await phone.goto(f"{base}/dev/")
    await phone.get_by_test_id("member-item").filter(has_text="王建国（演示）").click()
    # The chat's reply, not the sign-off's notice (which says the same and may come after it).
    reply = await _say(phone, "我的考核", "查看详情、填写自述或申请复核：")
    await expect(reply).to_contain_text(f"您的{seeded.period_name}考核结果已签发")
    link = re.search(r"https?://\S+/m/assessments/\d+\S*", await reply.inner_text())
    assert link is not None, await reply.inner_text()
    sheet_page = await phone_context.new_page()  # the link opened inside WeChat
    sheet_page.set_default_timeout(STEP_TIMEOUT_MS)
    await sheet_page.goto(link.group(0))
    await expect(sheet_page).to_have_url(re.compile(r"/sandbox/connect/oauth2/authorize\?"))
    await sheet_page.get_by_role("link", name="王建国（演示）", exact=True).click()
    await expect(sheet_page.get_by_test_id("sheet-title")).to_have_text(
        f"{seeded.period_name}考核结果"
    )
    assert sheet_page.url.startswith(f"{base}/m/assessments/{seeded.sheets[name]}")
    body = sheet_page.locator("body")
    await expect(body).to_contain_text(name)
    await expect(sheet_page.get_by_test_id("sheet-lines")).to_be_visible()
    for _, other in OTHERS:
        await expect(body).not_to_contain_text(other)
    # Another member's sheet id: refused, their name not shown.
    other_name = OTHERS[0][1]
    refused = await sheet_page.goto(f"{base}/m/assessments/{seeded.sheets[other_name]}")
    assert refused is not None and refused.status == 403
    await expect(body).to_contain_text("无权查看")
    await expect(body).not_to_contain_text(other_name)

    # 「民主评议」: the reply's link, every other member rated, one ballot only.
    reply = await _say(phone, "民主评议", "民主评议党员（个人自评、无记名互评）")
    href = await reply.get_by_role("link", name=re.compile("年度民主评议党员")).get_attribute(
        "href"
    )
    assert href and f"/m/appraisal/{seeded.round_id}" in href, href
    vote_page = await phone_context.new_page()
    vote_page.set_default_timeout(STEP_TIMEOUT_MS)
    await vote_page.goto(href)
    await expect(vote_page.get_by_test_id("appraisal-title")).to_be_visible()
    candidates = vote_page.get_by_test_id("candidate")
    await expect(candidates).to_have_count(len(OTHERS))
    for _, other in OTHERS:
        await candidates.filter(has_text=other).get_by_label("优秀").check()
    await expect(candidates.filter(has_text=name)).to_have_count(0)  # not oneself
    ballot = vote_page.get_by_test_id("ballot")
    fields: dict[str, str | float | bool] = await ballot.evaluate(
        "form => Object.fromEntries(new FormData(form))"
    )
    action = await ballot.get_attribute("action")
    await vote_page.get_by_test_id("vote-button").click()
    await expect(vote_page.get_by_test_id("voted")).to_contain_text("投票不记名")
    await expect(vote_page.get_by_test_id("ballot")).to_have_count(0)
    again = await vote_page.request.post(f"{base}{action}", form=fields, max_redirects=0)
    assert again.status == 409 and "不能重复投票" in await again.text()
    ratings, voters = await _ballots(seeded.database_url, seeded.round_id)
    assert sorted(ratings) == ["excellent", "excellent"] and voters == 1

    # The console: 一键导出工作台账; its 三亮三挂三考核 sheet has the signed-off month.
    await page.goto(f"{base}/admin/reports?year={seeded.year}")
    async with page.expect_download() as waiting:
        await page.get_by_test_id("ledger-link").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    path = await download.path()
    book = load_workbook(BytesIO(Path(path).read_bytes()), read_only=True)
    rows = [tuple(row) for row in book["三亮三挂三考核"].iter_rows(values_only=True)]
    header, data = rows[0], rows[1:]
    mine = [dict(zip(header, row, strict=True)) for row in data if name in row]
    assert len(mine) == 1, rows
    assert mine[0]["工号"] == MEMBER[0] and seeded.period_name in str(mine[0]["考核期"])
    assert errors == []
