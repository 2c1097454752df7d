"""放假安排 in the console: a coming year's holidays entered by an admin count as days off."""

from __future__ import annotations

from datetime import date

from app.models import AdminRole
from app.services import workdays
from app.services.admission import notices
from tests.admission.notices_helpers import stored_candidate, stored_notice
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import add_user, admin_console, post_form, second_browser, sign_in
from tests.support.plugin import Clock

DAYS_2027 = "2027-01-01 休 元旦\r\n\r\n2027-02-07 班 春节调休\r\n"


async def test_an_admin_enters_2027_and_its_holiday_is_a_day_off(
    console: AppClient, clock: Clock
) -> None:
    """2027 is flagged as unknown; once entered, 1 January 2027 is off and 7 February worked."""
    clock.set(china(2026, 12, 7, 9))
    await admin_console(console)
    page = await console.get("/admin/admission/calendar")
    assert page.status_code == 200
    assert 'data-testid="latest-year">2026<' in page.text
    year = page.text.split('data-year="2027"', 1)[1].split('data-testid="calendar-year"', 1)[0]
    assert "尚未公布，按周一至周五计算" in year
    async with console.sessions() as session:
        calendar = await workdays.load(session)
        assert calendar.is_workday(date(2027, 1, 1)) and not calendar.knows(2027)

    response = await post_form(
        console, "/admin/admission/calendar", {"year": "2027", "days": DAYS_2027}
    )
    assert response.status_code == 303
    page = await console.get("/admin/admission/calendar")
    assert "已录入 2027 年放假安排（2 天）。" in page.text
    assert "2027-01-01 休 元旦" in page.text and "2027-02-07 班 春节调休" in page.text
    async with console.sessions() as session:
        calendar = await workdays.load(session)
        assert calendar.knows(2027)
        assert not calendar.is_workday(date(2027, 1, 1))  # a Friday, 元旦
        assert calendar.is_workday(date(2027, 2, 7))  # a Sunday worked
        assert calendar.on_or_after(date(2027, 1, 1)) == date(2027, 1, 4)


async def test_entering_a_year_recomputes_the_open_notices_running_into_it(
    console: AppClient, clock: Clock
) -> None:
    """A 公示 of 5 working days from Mon 2026-12-28 ends on Fri 2027-01-01 while 2027 is unknown;
    once 1 and 4 January 2027 are entered as days off it ends on Tue 5 January."""
    clock.set(china(2026, 12, 7, 9))
    file_id = await stored_candidate(console)
    notice_id = await stored_notice(console, file_id, date(2026, 12, 28), date(2026, 12, 7))
    async with console.sessions() as session:
        notice = await notices.get(session, notice_id=notice_id)
        assert notice is not None and notice.ends_on == date(2027, 1, 1)
    await admin_console(console)

    days = "2027-01-01 休 元旦\n2027-01-04 休 元旦调休\n"
    response = await post_form(console, "/admin/admission/calendar", {"year": "2027", "days": days})
    assert response.status_code == 303
    page = await console.get("/admin/admission/calendar")
    assert "已录入 2027 年放假安排（2 天）。" in page.text
    assert "重新计算 1 个进行中公示的截止日期" in page.text
    async with console.sessions() as session:
        notice = await notices.get(session, notice_id=notice_id)
        assert notice is not None
        assert (notice.starts_on, notice.ends_on) == (date(2026, 12, 28), date(2027, 1, 5))
        assert "2026年12月28日至2027年1月5日" in notice.text


async def test_a_bad_line_is_refused_with_its_number_and_only_admins_enter(
    console: AppClient, clock: Clock
) -> None:
    """A line that cannot be read: 422 naming the line, nothing stored; a secretary: 403."""
    clock.set(china(2026, 12, 7, 9))
    await admin_console(console)
    text = "2027-01-01 休 元旦\n2027-13-01 休 不存在\n"
    refused = await post_form(console, "/admin/admission/calendar", {"year": "2027", "days": text})
    assert refused.status_code == 422
    assert "第 2 行的日期不存在" in refused.text and "2027-13-01 休 不存在" in refused.text
    garbled = await post_form(
        console, "/admin/admission/calendar", {"year": "2027", "days": "元旦放假三天"}
    )
    assert garbled.status_code == 422 and "第 1 行看不懂" in garbled.text
    async with console.sessions() as session:
        calendar = await workdays.load(session)
        assert not calendar.knows(2027) and calendar.is_workday(date(2027, 1, 1))

    await add_user(console, "sec", AdminRole.SECRETARY)
    sec = second_browser(console)
    assert (await sign_in(sec, "sec")).status_code == 303
    page = await sec.get("/admin/admission/calendar")
    assert page.status_code == 200 and "录入 2027 年放假安排" not in page.text
    forbidden = await post_form(
        sec, "/admin/admission/calendar", {"year": "2027", "days": DAYS_2027}
    )
    assert forbidden.status_code == 403
