"""Assessment periods: months, quarters and years in China time, and which have ended."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.models import PeriodKind
from app.models.types import CHINA

MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


def start_of(kind: PeriodKind, day: date) -> date:
    """The first day of the period of `kind` that holds `day`."""
    if kind is PeriodKind.YEAR:
        return date(day.year, 1, 1)
    if kind is PeriodKind.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_start(kind: PeriodKind, day: date) -> date:
    """The first day of the period after the one holding `day`."""
    return _add_months(start_of(kind, day), MONTHS[kind])


def end_of(kind: PeriodKind, starts_on: date) -> date:
    """The last day of the period starting on `starts_on`."""
    return next_start(kind, starts_on) - timedelta(days=1)


def name_of(kind: PeriodKind, starts_on: date) -> str:
    """ "2026年11月", "2026年第四季度", "2026年度": how people name the period."""
    if kind is PeriodKind.YEAR:
        return f"{starts_on.year}年度"
    if kind is PeriodKind.QUARTER:
        return f"{starts_on.year}年第{'一二三四'[(starts_on.month - 1) // 3]}季度"
    return f"{starts_on.year}年{starts_on.month}月"


def ended(kind: PeriodKind, now: datetime, *, back: int = 3) -> list[date]:
    """The starts of the last `back` periods of `kind` that have ended by `now` (China time).

    Looking back a few periods lets a run after downtime fill what it missed.
    """
    today = now.astimezone(CHINA).date()
    current = start_of(kind, today)
    return [_add_months(current, -MONTHS[kind] * step) for step in range(back, 0, -1)]
