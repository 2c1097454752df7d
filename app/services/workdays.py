"""China's working days: the official calendar (holidays and adjusted working weekends) from the
chinesecalendar package, and for a year the package does not know yet, what an admin entered.

A year neither knows is counted Monday to Friday and flagged, so a deadline that depends on it
says so instead of being silently wrong.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]
from chinese_calendar import constants as calendar_data
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import CalendarDay, CalendarYear
from app.services import audit

# Every year the package has data for (it raises NotImplementedError outside them).
PACKAGE_YEARS = frozenset(
    day.year
    for day in (*calendar_data.holidays, *calendar_data.workdays, *calendar_data.in_lieu_days)
)
_LONGEST_BREAK = 20  # no run of days off (春节 with its weekends) is longer


class CalendarEntryError(ValueError):
    """An admin's list of a year's days that cannot be taken, with the Chinese reason."""


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the package, then what admins entered for other years."""

    entered_days: dict[date, CalendarDay] = field(default_factory=dict)
    entered_years: frozenset[int] = frozenset()

    def knows(self, year: int) -> bool:
        """Whether the year's holidays are known (announced and in the package, or entered)."""
        return year in PACKAGE_YEARS or year in self.entered_years

    def is_workday(self, day: date) -> bool:
        """A working day: Monday to Friday except holidays, plus adjusted working weekends."""
        if day.year not in PACKAGE_YEARS:
            entered = self.entered_days.get(day)
            return entered.is_workday if entered is not None else day.weekday() < 5
        return bool(chinese_calendar.is_workday(day))

    def day_off_name(self, day: date) -> str | None:
        """The holiday `day` is off for (春节, 国庆节, …), if it is one."""
        if day.year not in PACKAGE_YEARS:
            entered = self.entered_days.get(day)
            return entered.name if entered is not None and not entered.is_workday else None
        off, name = chinese_calendar.get_holiday_detail(day)
        if not off or name is None:
            return None
        return str(_HOLIDAY_NAMES.get(name, name))

    def on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the next one (a deadline on a holiday moves on)."""
        for ahead in range(_LONGEST_BREAK):
            candidate = day + timedelta(days=ahead)
            if self.is_workday(candidate):
                return candidate
        return day + timedelta(days=_LONGEST_BREAK)

    def working_span(self, start: date, days: int) -> tuple[date, date]:
        """The first and last of `days` working days counted from `start` (start included when
        it is a working day): a 公示 of 5 working days that starts on a Friday before 国庆."""
        first = self.on_or_after(start)
        last, counted = first, 1
        while counted < days:
            last += timedelta(days=1)
            if self.is_workday(last):
                counted += 1
        return first, last

    def unknown_years(self, first: date, last: date) -> list[int]:
        """The years between two dates whose holidays are not known (the count may be off)."""
        return [year for year in range(first.year, last.year + 1) if not self.knows(year)]


_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


def months_after(day: date, months: int) -> date:
    """The same day `months` later (or the month's last day: 8月31日 + 6 个月 → 2月28日)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


async def load(session: AsyncSession) -> WorkCalendar:
    """The calendar with every year admins entered."""
    years = (await session.exec(select(CalendarYear.year))).all()
    days = (await session.exec(select(CalendarDay))).all()
    return WorkCalendar(entered_days={day.day: day for day in days}, entered_years=frozenset(years))


@dataclass(frozen=True)
class EnteredDay:
    """One line of an admin's list: the day, whether it is worked, its name."""

    day: date
    is_workday: bool
    name: str


_LINE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*[,，\s]\s*(休|班)\s*(?:[,，\s]\s*(\S.*?))?\s*$"
)


def parse_days(year: int, text: str) -> list[EnteredDay]:
    """Lines like "2027-01-01 休 元旦" or "2027-02-07 班 春节调休" (a holiday off, a weekend
    worked); refused whole with the line that is wrong."""
    entered: dict[date, EnteredDay] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise CalendarEntryError(
                f"第 {number} 行看不懂：「{line.strip()}」，应为「2027-01-01 休 元旦」"
            )
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CalendarEntryError(f"第 {number} 行的日期不存在：「{line.strip()}」") from None
        if day.year != year:
            raise CalendarEntryError(f"第 {number} 行的日期不在 {year} 年")
        worked = match[4] == "班"
        entered[day] = EnteredDay(day, worked, match[5] or ("调休上班" if worked else "节假日"))
    if not entered:
        raise CalendarEntryError("请至少填写一天（法定节假日或调休上班日）")
    return sorted(entered.values(), key=lambda d: d.day)


async def enter_year(
    session: AsyncSession, *, year: int, days: Iterable[EnteredDay], actor: audit.Actor
) -> CalendarYear:
    """Replace what was entered for `year` (a year the package knows cannot be overridden)."""
    if year in PACKAGE_YEARS:
        raise CalendarEntryError(f"{year} 年的放假安排已内置（国务院公布），无需录入")
    listed = list(days)
    await session.exec(
        delete(CalendarDay).where(
            col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31)
        )
    )
    for day in listed:
        session.add(CalendarDay(day=day.day, is_workday=day.is_workday, name=day.name))
    entry = await session.get(CalendarYear, year)
    if entry is None:
        entry = CalendarYear(year=year)
    entry.entered_by = actor.name
    session.add(entry)
    await session.flush()
    off = sum(1 for d in listed if not d.is_workday)
    await audit.record(
        session,
        actor=actor,
        action="calendar.enter",
        target_type="calendar_year",
        target_id=year,
        summary=f"录入 {year} 年放假安排：休 {off} 天，调休上班 {len(listed) - off} 天",
    )
    return entry


async def entered(session: AsyncSession, *, year: int) -> list[CalendarDay]:
    """The days entered for `year`, in order."""
    statement = (
        select(CalendarDay)
        .where(col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31))
        .order_by(col(CalendarDay.day))
    )
    return list((await session.exec(statement)).all())
