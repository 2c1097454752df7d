"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.timing import CHINA as CHINA  # re-exported: the models and many callers read it here

# JSONB on PostgreSQL (indexable), plain JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; always hand back aware UTC datetimes (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: every time in this system is explicit about its zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns without a zone."""
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


# The branch's dates (stage changes, study days, months) are China dates, whatever the server's.


def china_today() -> date:
    """Today's date in China."""
    return datetime.now(CHINA).date()


def china_moment(value: datetime, *, year: bool = False) -> str:
    """ "12月4日 14:30" (with `year`, "2026年12月4日 14:30") in China time, as members read it."""
    local = value.astimezone(CHINA)
    return f"{f'{local.year}年' if year else ''}{local.month}月{local.day}日 {local:%H:%M}"


def china_day(day: date, *, year: bool = True) -> str:
    """ "2026年12月7日" (without `year`, "12月7日"): a date as members read it."""
    return f"{f'{day.year}年' if year else ''}{day.month}月{day.day}日"


def label_of(kind: Callable[[str], Any], value: str) -> str:
    """The Chinese name of a stored enum value (a value no longer known, as it is stored)."""
    try:
        return str(kind(value).label)
    except ValueError:
        return value
