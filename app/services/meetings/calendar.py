"""The fixed study day's recurrence: which date a rule gives in a month (pure functions)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from app.models import StudyDayRule
from app.models.types import CHINA
from app.services.workdays import WorkCalendar

WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DEFAULT_WEEKDAY = 4  # Friday, as RuleDraft offers it
WEEK_LABELS = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", -1: "最后一个"}
# What the rule page says: a study day never falls in a public holiday.
HOLIDAY_RULE = (
    "遇法定节假日（按国务院公布的放假安排），学习日顺延到节后第一个工作日（含调休上班日），"
    "时间不变。"
)
# The package's calendar (pure: study days are planned without the database; a year it does
# not know yet counts Monday to Friday, as `app.services.workdays` explains).
_CHINA = WorkCalendar()


def holiday_name(day: date) -> str | None:
    """The public holiday `day` is a day off for (元旦, 春节, …); None on any other day, and for
    years whose holidays are not announced yet (chinesecalendar has no data for them)."""
    return _CHINA.day_off_name(day)


def next_working_day(day: date) -> date:
    """The first working day after `day` (make-up working days count; holidays do not)."""
    return _CHINA.on_or_after(day + timedelta(days=1))


def planned_date(rule: StudyDayRule, month: date) -> date:
    """The rule's date in `month` before holidays: the nth weekday, or the day (clamped)."""
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    if rule.mode == "day":
        return month.replace(day=min(rule.day_of_month or 1, days_in_month))
    weekday = rule.weekday if rule.weekday is not None else DEFAULT_WEEKDAY
    week = rule.week_of_month or 1
    if week == -1:
        last = month.replace(day=days_in_month)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = month.replace(day=1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def holiday_move(rule: StudyDayRule, month: date) -> tuple[date, str] | None:
    """(the date the rule gives, its holiday) when that date is a public holiday; else None."""
    planned = planned_date(rule, month)
    name = holiday_name(planned)
    return (planned, name) if name else None


def month_start(day: date) -> date:
    """The first day of the month `day` is in."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def occurrence_date(rule: StudyDayRule, month: date) -> date:
    """The rule's date in `month`, moved to the next working day when it is a public holiday."""
    planned = planned_date(rule, month)
    return next_working_day(planned) if holiday_name(planned) else planned


def occurrence_start(rule: StudyDayRule, month: date) -> datetime:
    """When the month's study day starts, as an aware datetime (China time)."""
    return datetime.combine(occurrence_date(rule, month), rule.start_time, CHINA)


def describe(rule: StudyDayRule) -> str:
    """The rule as the console says it: "每月第一个周五 14:30"."""
    if rule.mode == "day":
        when = f"每月 {rule.day_of_month} 日"
    else:
        when = (
            f"每月{WEEK_LABELS.get(rule.week_of_month or 1, '')}{WEEKDAY_LABELS[rule.weekday or 0]}"
        )
    return f"{when} {rule.start_time:%H:%M}"
