"""Form parsing for the console: blank means none, and validation errors in plain Chinese."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

M = TypeVar("M", bound=BaseModel)

# Shown next to the field, whatever the model's own (English) message says.
_MESSAGES = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "date_from_datetime_parsing": "日期格式应为 年-月-日,例如 2024-07-01",
    "date_parsing": "日期格式应为 年-月-日,例如 2024-07-01",
    "date_type": "日期格式应为 年-月-日,例如 2024-07-01",
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
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_page(value: str | None) -> int:
    """A 1-based page number from the query (anything odd means page 1)."""
    page = parse_int(value)
    return page if page is not None and page >= 1 else 1
