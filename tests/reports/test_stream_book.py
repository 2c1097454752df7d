"""The 台账's fast .xlsx writer: what openpyxl (and so Excel) reads back from it."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from app.services.spreadsheets import StreamBook


def test_text_stays_text_dates_are_dates_and_the_header_is_bold_and_frozen() -> None:
    """A formula-looking name is text, a date a date, a control character dropped."""
    book = StreamBook()
    book.sheet(
        "台账",
        ("姓名", "日期", "金额", "合格"),
        [("=1+1", date(2026, 3, 5), Decimal("12.5"), True)],
    )
    book.sheet("空表", ("甲",), [])
    sheet = load_workbook(io.BytesIO(book.to_bytes()))["台账"]
    assert sheet["A1"].value == "姓名" and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert (
        sheet["B2"].value.date() == date(2026, 3, 5) and sheet["B2"].number_format == "yyyy-mm-dd"
    )
    assert sheet["C2"].value == 12.5 and sheet["D2"].value is True
    spare = StreamBook()
    spare.sheet("备注", ("说明",), [("a\x01b<&>",)])
    assert load_workbook(io.BytesIO(spare.to_bytes()))["备注"]["A2"].value == "ab<&>"


def test_rows_written_in_batches_are_numbered_on_and_counted() -> None:
    """The ledger streams a sheet in batches: no row is lost, overwritten or renumbered."""
    book = StreamBook()
    with book.open("出勤", ("序号", "姓名")) as out:
        out.rows([(n, f"党员{n}") for n in range(1, 2_501)])
        out.rows([])
        out.rows((n, f"党员{n}") for n in range(2_501, 2_504))
    assert out.count == 2_503
    sheet = load_workbook(io.BytesIO(book.to_bytes()), read_only=True)["出勤"]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == list(range(1, 2_504))
