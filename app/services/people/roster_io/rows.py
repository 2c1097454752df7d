"""The rows of a roster file: finding the header, reading each cell, spotting repeated 工号."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.people.roster_io import files
from app.services.people.roster_io.columns import (
    COLUMNS,
    EXAMPLE_NOTE_START,
    HEADERS,
    Cell,
    CellError,
)

MAX_ERRORS = 500  # enough to fix a file by; a wholly wrong file would list thousands
_HEADER_SEARCH = 5  # the header may sit below a title row or two


@dataclass(slots=True)
class RowError:
    """One problem: the row the user sees (header = 1), the column's header, a Chinese message."""

    row: int
    column: str
    message: str


def _header_name(cell: Cell) -> str:
    name = "" if cell is None else str(cell).strip()
    for marker in ("*", "*", "(必填)", "(必填)"):
        name = name.replace(marker, "")
    return name.strip()


def locate_header(rows: list[files.Row]) -> tuple[dict[str, int], list[files.Row]]:
    """Where each column sits, and the data rows below the header."""
    if not rows:
        raise files.RosterFileError("文件中没有任何内容")
    for index, (number, cells) in enumerate(rows[:_HEADER_SEARCH]):
        names = [_header_name(cell) for cell in cells]
        if "工号" not in names or "姓名" not in names:
            continue
        missing = [header for header in HEADERS if header not in names]
        if missing:
            raise files.RosterFileError(
                f"表头缺少列：{'、'.join(missing)}。请使用导入模板", row=number
            )
        repeated = [header for header in HEADERS if names.count(header) > 1]
        if repeated:
            raise files.RosterFileError(f"表头中的列重复：{'、'.join(repeated)}", row=number)
        data = rows[index + 1 :]
        if len(data) > files.MAX_ROWS:
            raise files.RosterFileError(
                f"文件有 {len(data)} 行数据，超过 {files.MAX_ROWS} 行的上限，请拆分后分批导入"
            )
        return {header: names.index(header) for header in HEADERS}, data
    number, cells = rows[0]
    names = [_header_name(cell) for cell in cells]
    missing = [header for header in HEADERS if header not in names]
    raise files.RosterFileError(
        f"未找到表头行，缺少列：{'、'.join(missing)}。第一行应为列名，请使用导入模板", row=number
    )


def parse_row(
    number: int, cells: list[Cell], positions: dict[str, int], errors: list[RowError]
) -> dict[str, Any] | None:
    """The row's values by column key; None (with errors added) when a cell is bad."""
    values, good = parse_cells(number, cells, positions, errors)
    return values if good else None


def parse_cells(
    number: int, cells: list[Cell], positions: dict[str, int], errors: list[RowError]
) -> tuple[dict[str, Any], bool]:
    """The row's values by column key (None for a bad cell, its error added) and whether every
    cell was good: the row's other checks can still run, so one upload reports every problem."""
    values: dict[str, Any] = {}
    good = True
    for column in COLUMNS:
        position = positions[column.header]
        raw = cells[position] if position < len(cells) else None
        try:
            value = column.parse(raw)
        except CellError as exc:
            errors.append(RowError(number, column.header, str(exc)))
            values[column.key] = None
            good = False
            continue
        if column.required and value is None:
            errors.append(RowError(number, column.header, f"{column.header}不能为空"))
            good = False
        values[column.key] = value
    return values, good


def is_example(values: dict[str, Any]) -> bool:
    """The import template's example row (its 备注 says so), left in by mistake."""
    note = values.get("note")
    return isinstance(note, str) and note.startswith(EXAMPLE_NOTE_START)


def duplicates(parsed: list[tuple[int, dict[str, Any] | None]], errors: list[RowError]) -> set[int]:
    """Rows whose 工号 another row also has (each named with the others)."""
    rows_by_no: dict[str, list[int]] = {}
    for number, values in parsed:
        if values is not None:
            rows_by_no.setdefault(values["employee_no"], []).append(number)
    bad: set[int] = set()
    for numbers in rows_by_no.values():
        for number in numbers if len(numbers) > 1 else ():
            others = "、".join(str(other) for other in numbers if other != number)
            errors.append(RowError(number, "工号", f"工号重复(与第 {others} 行相同)"))
            bad.add(number)
    return bad


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    """Errors by row, then in column order, at most MAX_ERRORS of them."""
    order = {header: index for index, header in enumerate(HEADERS, start=1)}
    ordered = sorted(errors, key=lambda error: (error.row, order.get(error.column, 0)))
    if len(ordered) <= MAX_ERRORS:
        return ordered
    more = len(ordered) - MAX_ERRORS
    return [*ordered[:MAX_ERRORS], RowError(0, "", f"另有 {more} 处错误未列出，请先修正以上错误")]
