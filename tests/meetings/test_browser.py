"""Meetings in a real Chromium against a real server: list, sign-in sheet, leave, year view.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. The server's database gets, through the app's services, five
Party members bound to WeChat, a 党课 this year that has ended (three checked in, two absent)
and a 支委会 still to come that one of them asked leave for.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Locator, Page, expect
from sqlmodel import col, select

from app.db import create_engine, session_factory, unit_of_work
from app.models import Meeting, MeetingKind, OrgUnit, OrgUnitKind, PoliticalStage
from app.models.people import PersonCreate
from app.models.types import CHINA, utcnow
from app.services import audit
from app.services.binding import followers as follower_service
from app.services.meetings import attendance
from app.services.meetings import leave as leave_service
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from tests.support.dev_app import dev_server

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "dangban", "browser-test-password"
STEP_TIMEOUT_MS = 8_000
NOTICE_TIMEOUT_S = 10
ACTOR = audit.Actor(id=None, name="browser-test")

LECTURE_TITLE = "书记讲党课：学思想 强党性"
COMMITTEE_TITLE = "支委会：研究年度工作总结"
# (工号, 姓名, 党小组, openid); the first three checked in to the 党课.
MEMBERS = (
    ("MB001", "周明", 1, "oMEETBROWSER000000000000001"),
    ("MB002", "吴芳", 1, "oMEETBROWSER000000000000002"),
    ("MB003", "郑浩", 2, "oMEETBROWSER000000000000003"),
    ("MB004", "孙丽", 2, "oMEETBROWSER000000000000004"),
    ("MB005", "冯涛", 3, "oMEETBROWSER000000000000005"),
)
PRESENT, ABSENT = ("周明", "吴芳", "郑浩"), ("孙丽", "冯涛")
ON_LEAVE, LEAVE_REASON = "孙丽", "外出参加技术培训"


@dataclass(frozen=True)
class Seeded:
    """What the test put in the server's database."""

    year: int
    lecture_quarter: int
    committee_month: int


def _times(now: datetime) -> tuple[datetime, datetime]:
    """This China year's ended 党课 start and coming 支委会 start (or skip near New Year)."""
    local = now.astimezone(CHINA).replace(second=0, microsecond=0)
    year_start = datetime(local.year, 1, 1, tzinfo=CHINA)
    year_end = datetime(local.year + 1, 1, 1, tzinfo=CHINA)
    lecture = max(year_start, local - timedelta(days=1))
    committee = min(local + timedelta(days=1), year_end - timedelta(hours=2))
    if lecture + timedelta(minutes=61) > local or committee < local + timedelta(minutes=10):
        pytest.skip("too close to New Year (China time) for an ended and a coming meeting")
    return lecture, committee


async def _seed(database_url: str) -> Seeded:
    """Members bound to WeChat, the ended 党课 with its check-ins, the 支委会 with a leave."""
    now = utcnow()
    lecture_start, committee_start = _times(now)
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await org_unit_service.ensure_default_tree(session)
            groups = {
                unit.sort_order: unit
                for unit in (await session.exec(select(OrgUnit))).all()
                if unit.kind == OrgUnitKind.GROUP.value
            }
            people = {}
            for number, name, group, openid in MEMBERS:
                person = await people_service.create(
                    session,
                    data=PersonCreate(
                        employee_no=number,
                        name=name,
                        org_unit_id=groups[group].id,
                        stage=PoliticalStage.FULL,
                    ),
                    actor=ACTOR,
                )
                follower = await follower_service.record_subscribe(
                    session, openid=openid, scene=None, now=now
                )
                follower.person_id, follower.bound_at = person.id, now
                session.add(follower)
                people[name] = person
            await session.flush()

            assert branch.id is not None
            lecture = await meeting_service.create(
                session,
                draft=MeetingDraft(
                    kind=MeetingKind.LECTURE,
                    title=LECTURE_TITLE,
                    org_unit_id=branch.id,
                    starts_at=lecture_start,
                    duration_minutes=60,
                    place="行政楼三楼会议室",
                    lecturer="周明",
                    remind=False,
                    follow_up=False,
                ),
                actor=ACTOR,
                now=now,
            )
            for index, name in enumerate(PRESENT):
                result = await attendance.check_in(
                    session,
                    person=people[name],
                    now=lecture.starts_at + timedelta(minutes=index - 5),
                    via="qr" if index % 2 else "menu",
                    meeting=lecture,
                )
                assert result.outcome is attendance.CheckIn.DONE, result
            committee = await meeting_service.create(
                session,
                draft=MeetingDraft(
                    kind=MeetingKind.COMMITTEE,
                    title=COMMITTEE_TITLE,
                    org_unit_id=branch.id,
                    starts_at=committee_start,
                    duration_minutes=60,
                    place="书记办公室",
                    remind=False,
                    follow_up=False,
                ),
                actor=ACTOR,
                now=now,
            )
            leave = await leave_service.request_leave(
                session, person=people[ON_LEAVE], meeting=committee, reason=LEAVE_REASON, now=now
            )
            assert leave.outcome is leave_service.Leave.REQUESTED, leave
            count = len((await session.exec(select(col(Meeting.id)))).all())
            assert count == 2, count
    finally:
        await engine.dispose()
    return Seeded(
        year=lecture_start.year,
        lecture_quarter=(lecture_start.month - 1) // 3 + 1,
        committee_month=committee_start.month,
    )


@pytest.fixture(scope="module")
def meetings_server(
    chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seeded]]:
    """The dev app with its first admin, and the meetings above in its database."""
    tmp: Path = tmp_path_factory.mktemp("meetings")
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        seeded = asyncio.run(_seed(f"sqlite:///{tmp}/t.db"))
        # The in-process WeChat sandbox learns the members follow, so notices reach them.
        for _, name, _, openid in MEMBERS:
            body = {"openid": openid, "nickname": name}
            httpx.post(f"{base}/sandbox/_sandbox/followers", json=body).raise_for_status()
        yield base, seeded


async def _sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/admin/")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{base}/admin/")
    await expect(page.get_by_test_id("signed-in")).to_contain_text("管理员")


async def _open_meeting(page: Page, title: str) -> None:
    """From the year's list, open a meeting by its title."""
    await page.get_by_test_id("meeting-row").get_by_role("link", name=title).click()
    await expect(page).to_have_url(re.compile(r"/admin/meetings/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def _sheet_row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("sheet-row").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )


async def _check_list(page: Page, seeded: Seeded) -> None:
    await expect(page.get_by_test_id("year")).to_have_text(f"{seeded.year} 年")
    lecture = page.get_by_test_id("meeting-row").filter(has_text=LECTURE_TITLE)
    await expect(lecture.get_by_test_id("meeting-status")).to_have_text("已结束")
    await expect(lecture.get_by_test_id("meeting-summary")).to_have_text(
        "签到 3/5 · 请假 0 · 补学 0"
    )
    committee = page.get_by_test_id("meeting-row").filter(has_text=COMMITTEE_TITLE)
    await expect(committee.get_by_test_id("meeting-status")).to_have_text("未开始")
    await expect(committee.get_by_test_id("meeting-summary")).to_have_text("")
    await expect(page.get_by_test_id("pending-leaves")).to_have_text("有 1 条请假待审批")


async def _check_lecture_sheet(page: Page) -> None:
    for label, count in (("应到", 5), ("已签到", 3), ("请假", 0), ("请假待批", 0), ("缺席", 2)):
        await expect(page.get_by_test_id(f"count-{label}")).to_have_text(str(count))
    await expect(page.get_by_test_id("sheet-row")).to_have_count(5)
    for name in PRESENT:
        row = _sheet_row(page, name)
        await expect(row.get_by_test_id("presence")).to_have_text("已签到")
        await expect(row.get_by_test_id("via")).to_have_text(re.compile(r"^(菜单|扫码)$"))
    for name in ABSENT:
        row = _sheet_row(page, name)
        await expect(row.get_by_test_id("presence")).to_have_text("缺席")
        await expect(row.get_by_test_id("checkin")).to_have_text("")


async def _approve_leave(page: Page) -> None:
    await page.get_by_test_id("pending-leaves").get_by_role("link").click()
    await expect(page).to_have_url(re.compile(r"/admin/meetings/leaves$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("请假审批")
    row = page.get_by_test_id("leave-row").filter(has_text=ON_LEAVE)
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(COMMITTEE_TITLE)
    await expect(row).to_contain_text(LEAVE_REASON)
    await row.get_by_role("button", name="准假", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/admin/meetings/leaves$"))
    await expect(page.get_by_role("status").filter(has_text="请假")).to_have_text(
        f"{ON_LEAVE}的请假已准假，已通知本人。"
    )
    await expect(page.get_by_test_id("leave-row")).to_have_count(0)
    await expect(page.get_by_text("没有待审批的请假。")).to_be_visible()


async def _check_committee_after_leave(page: Page) -> None:
    for label, count in (("应到", 5), ("请假", 1), ("请假待批", 0), ("未签到", 4)):
        await expect(page.get_by_test_id(f"count-{label}")).to_have_text(str(count))
    row = _sheet_row(page, ON_LEAVE)
    await expect(row.get_by_test_id("presence")).to_have_text("请假")
    await expect(row.get_by_test_id("leave-status")).to_have_text("已准假")
    await expect(row.get_by_role("button", name="准假", exact=True)).to_have_count(0)
    notice = page.get_by_test_id("meeting-broadcast")
    await expect(notice).to_have_count(1)
    await expect(notice).to_contain_text("请假审批：已准假")


async def _check_year_view(page: Page, seeded: Seeded) -> None:
    await expect(page).to_have_url(re.compile(rf"/admin/meetings/year\?year={seeded.year}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("三会一课年度视图")
    await expect(page.get_by_test_id("year")).to_have_text(f"{seeded.year} 年")
    units = page.get_by_test_id("year-unit")
    await expect(units).to_have_count(4)  # the branch and its three Party groups
    branch = units.filter(has_text="神特新材党支部").first
    grid = branch.get_by_role("table")
    await expect(grid.get_by_role("columnheader")).to_have_count(14)  # 会议, 1–12 月, 合计
    lectures = branch.locator('[data-testid="year-row"][data-requirement="党课"]')
    await expect(lectures.get_by_test_id("year-cell")).to_have_count(4)  # quarterly
    held = lectures.locator(f'[data-testid="year-cell"][data-period="{seeded.lecture_quarter}"]')
    await expect(held).to_have_attribute("data-status", "met")
    await expect(held).to_have_text("1 次")
    committees = branch.locator('[data-testid="year-row"][data-requirement="支委会"]')
    await expect(committees.get_by_test_id("year-cell")).to_have_count(12)  # monthly
    planned = committees.locator(
        f'[data-testid="year-cell"][data-period="{seeded.committee_month}"]'
    )
    await expect(planned).to_contain_text("已安排 1 次")


async def _wait_for_notice(base: str, openid: str) -> list[str]:
    """The member's deliveries in the sandbox, once the leave notice arrived (or the timeout)."""
    deadline = time.monotonic() + NOTICE_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base) as sandbox:
        while True:
            found = (
                await sandbox.get("/sandbox/_sandbox/deliveries", params={"openid": openid})
            ).json()
            payloads = [str(d["payload"]) for d in found["deliveries"]]
            if payloads or time.monotonic() > deadline:
                return payloads
            await asyncio.sleep(0.2)


async def test_meeting_list_sheet_leave_approval_and_year_view(
    meetings_server: tuple[str, Seeded], page: Page
) -> None:
    """The branch secretary's round: the year's meetings, who came, a leave, 三会一课."""
    base, seeded = meetings_server
    await page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location})")

    page.on("console", on_console)
    await _sign_in(page, base)

    menu = page.get_by_role("navigation", name="主菜单")
    await menu.get_by_role("link", name="会议与学习日").click()
    await expect(page).to_have_url(f"{base}/admin/meetings")
    await expect(menu.get_by_role("link", name="会议与学习日")).to_have_attribute(
        "aria-current", "page"
    )
    await _check_list(page, seeded)

    await _open_meeting(page, LECTURE_TITLE)
    await expect(page.get_by_test_id("meeting-status")).to_have_text("已结束")
    await _check_lecture_sheet(page)

    await page.get_by_role("link", name="返回会议列表").click()
    await expect(page).to_have_url(f"{base}/admin/meetings")
    await _approve_leave(page)

    await page.get_by_role("link", name="返回会议列表").click()
    await expect(page.get_by_test_id("pending-leaves")).to_have_count(0)
    await _open_meeting(page, COMMITTEE_TITLE)
    await expect(page.get_by_test_id("meeting-status")).to_have_text("未开始")
    await _check_committee_after_leave(page)

    await page.get_by_role("link", name="返回会议列表").click()
    await page.get_by_role("link", name="三会一课年度视图").click()
    await _check_year_view(page, seeded)
    assert errors == []
    # 「已通知本人」: the member's WeChat (the sandbox) got the decision.
    openid = next(openid for _, name, _, openid in MEMBERS if name == ON_LEAVE)
    payloads = await _wait_for_notice(base, openid)
    assert len(payloads) == 1, payloads
    assert "已准假" in payloads[0], payloads
