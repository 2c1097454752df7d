"""Writing an .xlsx with openpyxl (Book): merges, validations, styles; small and medium sheets."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# are dropped, dates read as dates, and headers look alike.

HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="FFFFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="FFC00000")
DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_WIDTH = 20.0


def _clean(value: object) -> Any:
    if isinstance(value, str):
        cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
        return cleaned
    return value


class Sheet:
    """One sheet being written, row by row; `worksheet` is there for merges and validations."""

    def __init__(self, worksheet: Worksheet, *, wrap: Collection[int] = ()) -> None:
        self.worksheet = worksheet
        self.wrap = frozenset(wrap)  # 1-based columns whose data cells wrap, top-aligned
        self.last_row = 0
        self.header_row = 0

    def header(
        self,
        names: Sequence[str],
        *,
        widths: Sequence[float] | float = DEFAULT_WIDTH,
        required: Collection[str] = (),
    ) -> None:
        """The bold header row (required columns white on red), the widths, frozen below it."""
        cells = self.row(names)
        for cell, name in zip(cells, names, strict=True):
            cell.font = REQUIRED_FONT if name in required else HEADER_FONT
            if name in required:
                cell.fill = REQUIRED_FILL
        for index in range(1, len(names) + 1):
            width = widths if isinstance(widths, int | float) else widths[index - 1]
            self.worksheet.column_dimensions[get_column_letter(index)].width = width
        self.header_row = self.last_row
        # By name: asking for the cell would create it.
        self.worksheet.freeze_panes = f"A{self.header_row + 1}"

    def row(self, values: Sequence[object], *, bold: bool = False) -> list[Cell]:
        """The next row: strings stay strings, dates are formatted as dates; None is empty."""
        self.last_row += 1
        cells: list[Cell] = []
        for column, value in enumerate(values, start=1):
            cell = self.worksheet.cell(row=self.last_row, column=column)
            assert isinstance(cell, Cell)  # a fresh row has no merged cells yet
            if value is not None:
                cell.value = _clean(value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = DATE_FORMAT
            if bold:
                cell.font = HEADER_FONT
            if column in self.wrap and self.header_row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        return cells

    def rows(self, values: Iterable[Sequence[object]]) -> None:
        """Row after row."""
        for row in values:
            self.row(row)


class Book:
    """A workbook being written; its first sheet replaces openpyxl's empty default one."""

    def __init__(self) -> None:
        self._book = Workbook()
        self._fresh = True

    def sheet(
        self,
        title: str,
        header: Sequence[str] | None = None,
        *,
        widths: Sequence[float] | float = DEFAULT_WIDTH,
        required: Collection[str] = (),
        wrap: Collection[int] = (),
    ) -> Sheet:
        """A new sheet, with its header row when one is given."""
        worksheet = self._book.active if self._fresh else self._book.create_sheet()
        assert isinstance(worksheet, Worksheet)
        self._fresh = False
        worksheet.title = title
        sheet = Sheet(worksheet, wrap=wrap)
        if header is not None:
            sheet.header(header, widths=widths, required=required)
        return sheet

    def to_bytes(self) -> bytes:
        """The .xlsx file."""
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def write_sheet(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    widths: Sequence[float] | float = DEFAULT_WIDTH,
    wrap: Collection[int] = (),
) -> bytes:
    """A one-sheet .xlsx: the header, then the rows."""
    book = Book()
    book.sheet(title, header, widths=widths, wrap=wrap).rows(rows)
    return book.to_bytes()
