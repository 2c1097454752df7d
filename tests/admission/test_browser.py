"""An applicant walked from 递交申请 to 预备党员 in a real Chromium: the console and WeChat.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. The server's database gets, through the app's services, the
applicant (a 群众) and four full members; everything else happens in the browser: the secretary
binds the applicant's WeChat in the phone simulator, opens the development file and takes it
step by step; the applicant hands in a thought report from the chat and, in 公示, a follower
raises an anonymous objection on the notice page; the secretary checks it, and once the 公示 is
over takes the remaining steps to the higher committee's approval.

The steps are dated back from today (a year of cultivation cannot wait), and the 公示's five
working days pass by moving its dates in the database, as the other tests move the clock.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from app.db import create_engine, session_factory, unit_of_work
from app.models import OrgUnit, OrgUnitKind, PoliticalStage, PublicNotice
from app.models.people import PersonCreate
from app.models.types import china_today
from app.services import audit
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.workdays import months_after
from tests.support.browser import NewContext
from tests.support.dev_app import dev_server

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "zuzhi", "browser-test-password"
STEP_TIMEOUT_MS = 10_000
ACTOR = audit.Actor(id=None, name="browser-test")
APPLICANT = ("ZF001", "周明")
FULL_MEMBERS = (("ZF101", "吴刚"), ("ZF102", "郑丽"), ("ZF103", "钱伟"), ("ZF104", "冯敏"))
REPORT = (
    "思想汇报 敬爱的党组织：成为入党积极分子以来，我认真学习党章和党的创新理论，"
    "在岗位上主动承担检验任务，努力以党员标准要求自己，请党组织继续考察。"
)
OBJECTION = "该同志去年在安全检查中有一次违规操作，请核实。"


@dataclass(frozen=True)
class Seeded:
    """The people the test put in the server's database."""

    database_url: str
    ids: dict[str, int]  # by name

    def of(self, *names: str) -> list[str]:
        """The people's ids as a select's option values."""
        return [str(self.ids[name]) for name in names]


async def _seed(database_url: str) -> Seeded:
    """The applicant (a 群众) and four full members in a Party group."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await org_unit_service.ensure_default_tree(session)
            group = next(
                unit
                for unit in (await session.exec(select(OrgUnit))).all()
                if unit.kind == OrgUnitKind.GROUP.value
            )
            ids = {}
            for (number, name), stage in [
                (APPLICANT, PoliticalStage.MASSES),
                *((member, PoliticalStage.FULL) for member in FULL_MEMBERS),
            ]:
                data = PersonCreate(
                    employee_no=number, name=name, org_unit_id=group.id, stage=stage
                )
                person = await people_service.create(session, data=data, actor=ACTOR)
                ids[name] = person.id
            return Seeded(database_url, {name: pid or 0 for name, pid in ids.items()})
    finally:
        await engine.dispose()


async def _move_notice(database_url: str, starts_on: date, ends_on: date) -> None:
    """Time passes for the 公示: its period is moved (the server reads it on each request)."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            notice = (await session.exec(select(PublicNotice))).one()
            notice.starts_on, notice.ends_on = starts_on, ends_on
            session.add(notice)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def admission_server(
    chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seeded]]:
    """The dev app with its first admin, the applicant and four full members."""
    tmp: Path = tmp_path_factory.mktemp("admission")
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base, asyncio.run(_seed(f"sqlite:///{tmp}/t.db"))


def _day(days_ago: int) -> str:
    return (china_today() - timedelta(days=days_ago)).isoformat()


async def _sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/admin/admission")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{base}/admin/admission")


async def _say(phone: Page, text: str, expected: str) -> str:
    """Send a text from the simulator; the account's reply containing `expected`."""
    await phone.get_by_test_id("text-input").fill(text)
    await phone.get_by_test_id("send-button").click()
    reply = phone.get_by_test_id("message-account").filter(has_text=expected).last
    await expect(reply).to_be_visible()
    return await reply.inner_text()


async def _bind(page: Page, phone: Page, base: str, person_id: int) -> None:
    """The secretary issues a code; the applicant follows the account and binds in WeChat."""
    await page.goto(f"{base}/admin/people/{person_id}")
    await page.get_by_role("button", name="生成绑定码").click()
    code = (await page.get_by_test_id("binding-code").inner_text()).strip()
    await phone.goto(f"{base}/dev/")
    await phone.get_by_test_id("new-member-name").fill(APPLICANT[1])
    await phone.get_by_test_id("new-member-button").click()
    await expect(phone.get_by_test_id("current-member")).to_have_text(APPLICANT[1])
    await phone.get_by_test_id("subscribe-button").click()
    await expect(phone.get_by_test_id("message-account").first).to_be_visible()
    await _say(phone, f"绑定 {code}", "绑定成功")


async def _take(page: Page, code: str, days_ago: int, **fields: str | list[str]) -> None:
    """Fill the step's form on the file page and 办理 it; the step shows as done."""
    form = page.locator(f'[data-testid="step-form"][data-step="{code}"]')
    await form.locator('input[name="done_on"]').fill(_day(days_ago))
    for name, value in fields.items():
        if isinstance(value, list):
            await form.locator(f'select[name="{name}"]').select_option(value=value)
        else:
            await form.locator(f'[name="{name}"]').fill(value)
    await form.get_by_role("button", name="办理").click()
    done = page.locator(f'[data-testid="step"][data-step="{code}"]')
    await expect(done).to_have_attribute("data-done", "yes")


async def test_an_applicant_becomes_a_probationary_member(
    admission_server: tuple[str, Seeded], page: Page, new_context: NewContext
) -> None:
    base, seeded = admission_server
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    phone = await (await new_context(viewport={"width": 1280, "height": 900})).new_page()
    phone.set_default_timeout(STEP_TIMEOUT_MS)
    await _sign_in(page, base)
    await _bind(page, phone, base, seeded.ids[APPLICANT[1]])

    # 递交申请: the secretary opens the development file.
    await page.goto(f"{base}/admin/admission")
    await page.get_by_role("link", name="新建发展档案").click()
    await page.get_by_label("申请人").select_option(value=seeded.of(APPLICANT[1]))
    await page.get_by_label("出生日期").fill("1998-05-04")
    await page.get_by_label("递交申请书日期").fill(_day(520))
    await page.get_by_role("button", name="建立档案").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(APPLICANT[1])
    file_url = page.url

    # 入党积极分子: talk, recommendation, filing, contacts.
    await _take(page, "talk", 510)
    await _take(page, "activist", 480, document_no="神特党支〔2025〕3号")
    await _take(page, "activist_filing", 478)
    await _take(page, "contacts", 477, people=seeded.of("吴刚", "郑丽"))

    # The activist hands in a thought report from WeChat; it is on the file.
    assert "已收到" in await _say(phone, REPORT, "思想汇报")
    await page.goto(file_url)
    await expect(page.get_by_test_id("report")).to_have_count(1)

    # 发展对象, a year later, and its steps.
    await _take(page, "cultivation", 110)
    await _take(page, "candidate", 100)
    await _take(page, "candidate_filing", 98)
    await _take(page, "introducers", 97, people=seeded.of("钱伟", "冯敏"))
    await _take(page, "political_review", 90, note="政审合格")
    await _take(
        page,
        "training",
        78,
        training_starts_on=_day(80),
        training_ends_on=_day(78),
        training_hours="24",
    )
    await _take(page, "committee_review", 70)

    # 公示: published from the file; open now, a follower objects anonymously from WeChat.
    await page.get_by_test_id("start-notice").click()
    await page.get_by_role("button", name="发布公示").click()
    await expect(page.get_by_test_id("notice-state")).to_be_visible()
    notice_url = page.url
    await _move_notice(
        seeded.database_url, china_today() - timedelta(days=2), china_today() + timedelta(days=5)
    )
    listing = await _say(phone, "公示", "/m/admission/notices/")
    link = re.search(r"https?://\S+/m/admission/notices/\d+", listing)
    assert link is not None, listing
    notice_page = await phone.context.new_page()  # the link opened inside WeChat
    await notice_page.goto(link.group(0))
    await expect(notice_page.get_by_test_id("notice-title")).to_contain_text(APPLICANT[1])
    await notice_page.get_by_label("您要反映的情况").fill(OBJECTION)
    await notice_page.get_by_test_id("objection-submit").click()
    await expect(notice_page.get_by_test_id("objection-thanks")).to_be_visible()

    # The next step waits for the 公示 to end and its objection to be checked.
    await page.goto(file_url)
    form = page.locator('[data-testid="step-form"][data-step="pre_review"]')
    await form.locator('input[name="done_on"]').fill(_day(0))
    await form.get_by_role("button", name="办理").click()
    await expect(page.get_by_test_id("step-error")).to_contain_text("核实")
    await page.goto(notice_url)
    objection = page.get_by_test_id("objection")
    await expect(objection.get_by_test_id("objector")).to_have_text("匿名")
    await objection.get_by_label("核实结论").select_option(label="反映不实")
    await objection.get_by_label("核实情况").fill(
        "经查安全检查记录，该同志无违规操作记录，反映不实。"
    )
    await objection.get_by_role("button", name="记录核实结论").click()
    await expect(page.get_by_test_id("finding")).to_contain_text("反映不实")

    # The five working days pass; the remaining steps up to the committee's approval.
    await _move_notice(
        seeded.database_url, china_today() - timedelta(days=14), china_today() - timedelta(days=8)
    )
    await page.goto(file_url)
    await _take(page, "pre_review", 6)
    await _take(page, "application_form", 5)
    await _take(page, "branch_resolution", 4, document_no="神特党支〔2026〕12号")
    await _take(page, "committee_talk", 3)
    await _take(page, "approval", 1, document_no="神特党委〔2026〕20号")
    await expect(page.get_by_test_id("file-facts")).to_contain_text("预备党员")

    # On the roster, and to the member in WeChat: probation runs a year from the resolution.
    ends = months_after(china_today() - timedelta(days=4), 12)
    # Back from the notice page to the chat: a tab in the background gets its animation frames
    # throttled, and the send button's stability check would wait ~1 s for them.
    await phone.bring_to_front()
    record = await _say(phone, "我的记录", "预备期")
    assert "距预备期满还有" in record and f"{ends.year}年{ends.month}月{ends.day}日" in record
    assert errors == []
