"""The 廉政谈话 export: the talks as an .xlsx sheet with a Chinese header row."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.models.types import CHINA

if TYPE_CHECKING:
    from app.services.talks.records import TalkRow

SHEET_TITLE = "廉政谈话"
# The export's columns (header, width), in order; the summary is the 7th.
EXPORT_COLUMNS = (
    *(("谈话日期", 12), ("工号", 10), ("姓名", 10), ("部门", 16), ("岗位类别", 10)),
    *(("谈话人", 16), ("谈话内容摘要", 60), ("登记人", 10), ("登记时间", 17), ("最后修改", 17)),
)


def _local(moment: datetime) -> str:
    """A UTC moment as China time, to the minute."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _workbook(rows: Sequence[TalkRow]) -> Workbook:
    """One sheet: the header row, then a row per talk."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = SHEET_TITLE
    sheet.append([header for header, _ in EXPORT_COLUMNS])
    for index, (_, width) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(rows, start=2):
        talk, person = row.talk, row.person
        values = (
            talk.held_on,
            person.employee_no,
            person.name,
            person.department,
            row.category_label,
            talk.held_by,
            talk.summary,
            talk.created_by,
            _local(talk.created_at),
            _local(talk.updated_at),
        )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # text starting with "=" stays text, never a formula
        sheet.cell(row=number, column=7).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    return book


def talks_xlsx(rows: Sequence[TalkRow]) -> bytes:
    """The talks, in the order given, as .xlsx bytes (the caller audits the export)."""
    buffer = io.BytesIO()
    _workbook(rows).save(buffer)
    return buffer.getvalue()
