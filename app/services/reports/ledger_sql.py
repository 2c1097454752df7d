"""The 台账's cells as SQL: moments as China-time text and stored values as their Chinese labels,
the same text on PostgreSQL and SQLite, so rows arrive from the database ready to write (a
Python function a row cost a quarter of the export's time)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, String, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# strftime patterns and their to_char twins.
MINUTE, DAY = "%Y-%m-%d %H:%M", "%Y-%m-%d"
_TO_CHAR = {MINUTE: "YYYY-MM-DD HH24:MI", DAY: "YYYY-MM-DD"}


class _ChinaText(FunctionElement[str]):
    """A moment as China-time text in a strftime pattern; '' for none."""

    type = String()
    inherit_cache = True
    pattern = MINUTE


class _ChinaMinute(_ChinaText):
    inherit_cache = True


class _ChinaDay(_ChinaText):
    inherit_cache = True
    pattern = DAY


@compiles(_ChinaText, "postgresql")
def _on_postgresql(element: _ChinaText, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return (
        f"coalesce(to_char(({moment}) AT TIME ZONE 'Asia/Shanghai', "
        f"'{_TO_CHAR[element.pattern]}'), '')"
    )


@compiles(_ChinaText)
def _on_sqlite(element: _ChinaText, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps the moments as UTC text; China has kept UTC+8, without summer time, since 1991.
    moment = compiler.process(element.clauses, **kw)
    return f"coalesce(strftime('{element.pattern}', {moment}, '+8 hours'), '')"


def china_minute(moment: Any) -> ColumnElement[str]:
    """ "2026-03-05 09:30" in China time ('' for none), as the sheets show a moment."""
    return _ChinaMinute(moment)


def china_day(moment: Any) -> ColumnElement[str]:
    """ "2026-03-05" in China time ('' for none)."""
    return _ChinaDay(moment)


def label(kind: Iterable[Any], column: Any) -> ColumnElement[str]:
    """The stored value's Chinese name (a value no longer known, as it is stored)."""
    return labels({member.value: str(member.label) for member in kind}, column)


def labels(names: Mapping[Any, str], column: Any, *, other: Any = None) -> ColumnElement[str]:
    """The column's value named by `names`; others as `other` (by default, as they are)."""
    otherwise = column if other is None else literal(other, String)
    if not names:
        return otherwise
    return case(dict(names), value=column, else_=otherwise)


def when(condition: Any, yes: str, no: str | None) -> ColumnElement[str]:
    """`yes` where the condition holds, else `no` (None: an empty cell)."""
    otherwise = None if no is None else literal(no, String)
    return case((condition, literal(yes, String)), else_=otherwise)
