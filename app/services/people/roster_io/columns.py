"""The roster file's columns: Chinese headers, and how each cell is read and written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.utils.datetime import from_excel

from app.models import PersonStatus, PoliticalStage
from app.models.people import STAGE_BY_LABEL, STAGE_LABELS, STATUS_BY_LABEL, STATUS_LABELS

# What a spreadsheet cell holds once read (CSV cells are always str).
Cell = str | int | float | bool | date | datetime | None

YES, NO = "是", "否"
_TRUE = {YES, "y", "yes", "true", "1", "√", "✓", "✔"}
_FALSE = {NO, "n", "no", "false", "0", "×", "✗"}
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Exported CSV text starting with these is prefixed with ' so Excel shows it instead of running it.
FORMULA_START = ("=", "+", "-", "@")
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")
_PHONE = re.compile(r"[0-9+\- ]{5,20}")
_PHONE_CHARS = re.compile(r"[0-9+\- ]+")
PHONE_DIGITS = (5, 20)  # a phone number's digits, fewest and most


EXAMPLE_NOTE_START = "示例行"  # the template's example row says so in its 备注


class CellError(ValueError):
    """A cell the import refuses; the message is Chinese and shown to the user."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the roster file: its header, whether it is required, how to read/write it."""

    key: str  # the Person field, or "org_unit" (the unit's path name)
    header: str
    required: bool
    parse: Callable[[Cell], Any]  # raises CellError
    format: Callable[[Any], Cell]
    help: str  # the 说明 sheet's explanation
    example: str
    choices: tuple[str, ...] = ()  # a dropdown in the template
    width: int = 14


def text(raw: Cell) -> str | None:
    """The cell as trimmed text; None when empty (numbers lose a spurious .0)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        value = YES if raw else NO
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    elif isinstance(raw, datetime):
        value = raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    elif isinstance(raw, date):
        value = raw.isoformat()
    else:
        value = str(raw)
    value = value.strip().strip(_INVISIBLE).strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        value = value[1:]  # the guard our own CSV export adds
    return value or None


def _limited(max_length: int) -> Callable[[Cell], str | None]:
    def parse(raw: Cell) -> str | None:
        value = text(raw)
        if value is not None and len(value) > max_length:
            raise CellError(f"不能超过 {max_length} 个字符(现有 {len(value)} 个)")
        return value

    return parse


def parse_bool(raw: Cell) -> bool:
    """是/否 (also Y/N, true/false, 1/0, √); empty means 否."""
    value = text(raw)
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise CellError(f"「{value}」无效，请填写「是」或「否」")


def parse_date(raw: Cell) -> date | None:
    """An Excel date cell, 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日 or 20240301."""
    if raw is None or isinstance(raw, bool):
        return None if raw is None else _bad_date(str(raw))
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float):
        if 19000101 <= raw <= 99991231 and float(raw).is_integer():
            digits = str(int(raw))  # 20240301 typed as a number
            return _ymd(digits[:4], digits[4:6], digits[6:], digits)
        if 1 <= raw < 2958466:  # an Excel serial day number in a cell without a date format
            return from_excel(raw).date()  # type: ignore[no-any-return]
        return _bad_date(text(raw) or "")
    value = text(raw)
    if value is None:
        return None
    match = _DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
    if match is None:
        return _bad_date(value)
    year, month, day = match.groups()[:3]
    return _ymd(year, month, day, value)


def _ymd(year: str, month: str, day: str, shown: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"日期「{shown}」不存在") from None


def _bad_date(value: str) -> date:
    raise CellError(f"无法识别的日期「{value}」，请按 2024-03-01 的格式填写")


def parse_stage(raw: Cell) -> PoliticalStage | None:
    """One of the six Chinese stage labels; empty means unchanged (群众 for someone new)."""
    value = text(raw)
    if value is None:
        return None
    if value in STAGE_BY_LABEL:
        return STAGE_BY_LABEL[value]
    raise CellError(f"政治面貌「{value}」无效，可选：{'、'.join(STAGE_LABELS.values())}")


def parse_status(raw: Cell) -> PersonStatus:
    """One of the status labels; empty means 在册."""
    value = text(raw)
    if value is None:
        return PersonStatus.ACTIVE
    if value in STATUS_BY_LABEL:
        return STATUS_BY_LABEL[value]
    raise CellError(f"状态「{value}」无效，可选：{'、'.join(STATUS_LABELS.values())}")


def parse_phone(raw: Cell) -> str | None:
    """Digits (spaces, + and - allowed); Excel's 1.38E+10 is refused, its digits are lost."""
    value = text(raw)
    if value is None:
        return None
    if _SCIENTIFIC.fullmatch(value):
        raise CellError("手机号被 Excel 显示成了科学计数法，请把该列设为「文本」后重新填写")
    if not _PHONE_CHARS.fullmatch(value):
        raise CellError(f"手机号「{value}」无效，只能包含数字、空格、+ 和 -")
    digits = sum(char.isdigit() for char in value)
    if digits < PHONE_DIGITS[0]:
        raise CellError(f"手机号「{value}」太短：只有 {digits} 位数字，请填写完整的号码")
    if not _PHONE.fullmatch(value) or digits > PHONE_DIGITS[1]:
        raise CellError(f"手机号「{value}」太长：有 {digits} 位数字，请检查是否多填了")
    return value


def parse_unit(raw: Cell) -> str | None:
    """The unit's path name with separators normalised (／ and \\ become /)."""
    value = text(raw)
    if value is None:
        return None
    return "/".join(part.strip() for part in re.split(r"[/／\\＼]", value) if part.strip())


def _plain(value: Any) -> Cell:
    return value  # type: ignore[no-any-return]


def _label(value: PoliticalStage | PersonStatus | None) -> Cell:
    return None if value is None else value.label


def _yes_no(value: bool) -> Cell:
    return YES if value else NO


_STAGE_CHOICES = tuple(STAGE_LABELS.values())
_STATUS_CHOICES = tuple(STATUS_LABELS.values())

COLUMNS: list[Column] = [
    Column(
        key="employee_no",
        header="工号",
        required=True,
        parse=_limited(32),
        format=_plain,
        help="必填；每人唯一，再次导入时按工号识别同一个人",
        example="ST099",
        width=10,
    ),
    Column(
        key="name",
        header="姓名",
        required=True,
        parse=_limited(50),
        format=_plain,
        help="必填",
        example="张三",
        width=10,
    ),
    Column(
        key="department",
        header="部门",
        required=False,
        parse=_limited(100),
        format=_plain,
        help="如：生产部、技术部、财务部、采购部、综合办",
        example="生产部",
        width=10,
    ),
    Column(
        key="post",
        header="岗位",
        required=False,
        parse=_limited(100),
        format=_plain,
        help="如：车间主任、会计",
        example="操作工",
    ),
    Column(
        key="is_manager",
        header="是否管理人员",
        required=False,
        parse=parse_bool,
        format=_yes_no,
        help="填「是」或「否」，空白视为「否」",
        example=NO,
        choices=(YES, NO),
        width=12,
    ),
    Column(
        key="org_unit",
        header="所属组织",
        required=False,
        parse=parse_unit,
        format=_plain,
        help="党支部或党小组的完整路径，如「神特新材党支部/第一党小组」；名称唯一时可只填名称",
        example="神特新材党支部/第一党小组",
        width=28,
    ),
    Column(
        key="stage",
        header="政治面貌",
        required=False,
        parse=parse_stage,
        format=_label,
        help=(
            f"可选：{'、'.join(_STAGE_CHOICES)}。已在名册中的人员留空表示不变，新人员留空视为群众；"
            "修改政治面貌会按「当前阶段起始日期」(空白则为今天)登记一次阶段变更"
        ),
        example=STAGE_LABELS[PoliticalStage.PROBATIONARY],
        choices=_STAGE_CHOICES,
        width=12,
    ),
    Column(
        key="stage_since",
        header="当前阶段起始日期",
        required=False,
        parse=parse_date,
        format=_plain,
        help=(
            "当前政治面貌的起始日期，如 2024-03-01、2024/3/1、2024年3月1日；不能晚于今天。"
            "政治面貌不变时不能通过导入修改此日期"
        ),
        example="2026-06-28",
        width=16,
    ),
    Column(
        key="probation_ends_on",
        header="预备期满日期",
        required=False,
        parse=parse_date,
        format=_plain,
        help="仅对预备党员有效，须晚于当前阶段起始日期；空白时按起始日期满一年计算",
        example="2027-06-28",
        width=14,
    ),
    Column(
        key="status",
        header="状态",
        required=False,
        parse=parse_status,
        format=_label,
        help=f"可选：{'、'.join(_STATUS_CHOICES)}；空白视为在册",
        example=STATUS_LABELS[PersonStatus.ACTIVE],
        choices=_STATUS_CHOICES,
        width=8,
    ),
    Column(
        key="phone",
        header="手机号",
        required=False,
        parse=parse_phone,
        format=_plain,
        help="选填；只能包含数字、空格、+ 和 -。请把该列设为「文本」，以免 Excel 改写号码",
        example="13800000000",
    ),
    Column(
        key="note",
        header="备注",
        required=False,
        parse=_limited(2000),
        format=_plain,
        help="选填",
        example=f"{EXAMPLE_NOTE_START}，导入时会跳过，请删除后填写真实人员",
        width=24,
    ),
]
HEADERS = [column.header for column in COLUMNS]
