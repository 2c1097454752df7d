"""Reading an uploaded .xlsx safely: a cap on what a zip bomb costs, read-only, row numbers."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class UnreadableSheet(ValueError):
    """The upload is not an .xlsx we can read, with the reason in Chinese."""


def xlsx_rows(
    data: bytes, *, what: str, skip_title: str, max_columns: int, max_unzipped: int
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of the first sheet not titled `skip_title` (a help sheet).

    Python's zipfile never inflates past the sizes an archive declares, so refusing a large
    declared total caps what a small "zip bomb" can cost. Gaps in the sheet come back as
    empty rows, so counting gives the row numbers Excel shows.
    """
    corrupt = UnreadableSheet("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise corrupt from exc
    if unzipped > max_unzipped:
        raise UnreadableSheet("Excel 文件解压后过大，请删除多余的工作表、图片或格式后再导入。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's "no default style" and the like
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise corrupt from exc
    try:
        sheets = [sheet for sheet in book.worksheets if sheet.title != skip_title]
        if not sheets:
            raise UnreadableSheet(f"Excel 文件中没有{what}工作表。")
        values = sheets[0].iter_rows(max_col=max_columns, values_only=True)
        for number, cells in enumerate(values, start=1):
            yield number, list(cells)
    except UnreadableSheet:
        raise
    except Exception as exc:
        raise corrupt from exc
    finally:
        book.close()
