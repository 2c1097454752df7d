"""Form parsing for the console: blank means none, and validation errors in plain Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.ids import MAX_ID
from app.models.types import CHINA

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", date, time)
_INT = re.compile(r"[+-]?[0-9]{1,10}")
MAX_PAGE = 100_000  # 5 million rows at 50 a page; beyond, page 1

# Shown next to the field, whatever the model's own (English) message says.
_MESSAGES = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "date_from_datetime_parsing": "日期格式应为 年-月-日，例如 2024-07-01",
    "date_parsing": "日期格式应为 年-月-日，例如 2024-07-01",
    "date_type": "日期格式应为 年-月-日，例如 2024-07-01",
    "enum": "请从列表中选择",
    "int_parsing": "请从列表中选择",
    "bool_parsing": "请从列表中选择",
}


def text_fields(form: FormData, *names: str) -> dict[str, str]:
    """The named fields as stripped strings (missing ones as empty)."""
    values: dict[str, str] = {}
    for name in names:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    return values


def blank_to_none(values: dict[str, str], *, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Empty optional fields become None; the `keep` fields stay strings (required ones)."""
    return {key: (value if value or key in keep else None) for key, value in values.items()}


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"最多 {limit} 个字" if limit else "内容过长"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _MESSAGES.get(kind, "填写有误")


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The model, or the errors by field name (the first error of each field)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(field, _message(error))
        return None, errors


def parse_int(value: str | None) -> int | None:
    """An integer from a query or form value, or None when it is not one."""
    # ASCII digits in a 32-bit range only: int() also takes "１２" and 10**20 (a 500 downstream).
    if value is None or not _INT.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if -MAX_ID - 1 <= number <= MAX_ID else None


def parse_page(value: str | None) -> int:
    """A 1-based page number from the query (anything odd or past MAX_PAGE means page 1)."""
    page = parse_int(value)
    return page if page is not None and 1 <= page <= MAX_PAGE else 1


def choice(value: str, options: Sequence[tuple[int, str]]) -> int | None:
    """The chosen id if it is one of the options (None otherwise)."""
    number = parse_int(value)
    return number if number in {oid for oid, _ in options} else None


@dataclass(frozen=True, slots=True)
class Part:
    """One input of a date-and-time pair: its field, where its error goes, and what it says."""

    field: str
    missing: str
    malformed: str
    error_key: str | None = None  # the field's own, unless the pair shares one message


def _part(
    shown: dict[str, Any], errors: dict[str, str], part: Part, parse: Callable[[str], P]
) -> P | None:
    raw = shown[part.field] or ""
    key = part.error_key or part.field
    if not raw:
        errors.setdefault(key, part.missing)
        return None
    try:
        return parse(raw)
    except ValueError:
        errors.setdefault(key, part.malformed)
        return None


def china_datetime(
    shown: dict[str, Any], errors: dict[str, str], *, day: Part, at: Part
) -> datetime | None:
    """The moment typed in a date input and a time input: what admins type is China time."""
    typed_day = _part(shown, errors, day, date.fromisoformat)
    typed_time = _part(shown, errors, at, time.fromisoformat)
    if typed_day is None or typed_time is None:
        return None
    return datetime.combine(typed_day, typed_time.replace(second=0, microsecond=0), CHINA)
