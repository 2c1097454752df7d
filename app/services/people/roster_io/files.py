"""Reading and writing the roster's two file formats (.xlsx and .csv), with their limits."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import PurePath

from app.services import spreadsheets
from app.services.people.roster_io.columns import COLUMNS, FORMULA_START, Cell

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # data rows, the header not counted
# Rows scanned before giving up, empty ones included: a stray cell at row 1,048,576 of an
# otherwise small sheet would otherwise make us walk a million empty rows.
MAX_SCANNED_ROWS = 20_000
MAX_COLUMNS = 64
# Declared uncompressed size of an .xlsx; Python's zipfile never inflates past what is declared,
# so this caps what a 5 MB "zip bomb" can cost (the reason for the figure is in spreadsheets).
MAX_UNZIPPED_BYTES = spreadsheets.MAX_UNZIPPED_BYTES
# Above these a console import runs in the background (the page shows its progress): about
# 1,000 people, whose import takes longer than a request should wait. An .xlsx of them inflates
# to about 1 MB of XML (20 columns of short cells); a CSV has a line each.
LARGE_ROWS = 1000
LARGE_UNZIPPED_BYTES = 1024 * 1024
SHEET_TITLE = "名册"
HELP_TITLE = "说明"


class RosterFileError(ValueError):
    """A file the import cannot read at all; the message is Chinese and shown to the user."""

    def __init__(self, message: str, *, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


Row = tuple[int, list[Cell]]  # (the row number the user sees, the cells)


def read_rows(data: bytes, *, filename: str) -> list[Row]:
    """The non-empty rows of the file's roster sheet, numbered as the user sees them.

    CPU-bound: the importer runs it through spreadsheets.off_loop.
    """
    if len(data) > MAX_BYTES:
        raise RosterFileError(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入")
    if not data.strip():
        raise RosterFileError("文件是空的")
    suffix = PurePath(filename or "").suffix.lower()
    if data.startswith(spreadsheets.XLS_MAGIC) or suffix == ".xls":
        raise RosterFileError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入")
    if data.startswith(spreadsheets.XLSX_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return _non_empty(_xlsx_rows(data))
    if suffix in (".csv", ".txt"):
        return _non_empty(_csv_rows(data))
    raise RosterFileError("只支持 .xlsx 和 .csv 文件，请使用导入模板")


def is_large(data: bytes, *, filename: str) -> bool:
    """Whether the file looks like more than LARGE_ROWS people, judged without parsing it."""
    if data.startswith(spreadsheets.XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False  # refused at once by the import itself
        # Past the cap the import refuses it at once, without parsing: no need to queue it.
        return LARGE_UNZIPPED_BYTES < unzipped <= MAX_UNZIPPED_BYTES
    if PurePath(filename or "").suffix.lower() in (".csv", ".txt"):
        lines = sum(1 for line in data.splitlines() if line.strip())
        return lines - 1 > LARGE_ROWS  # the header is no person
    return False


def _non_empty(rows: Iterable[Row]) -> list[Row]:
    found: list[Row] = []
    for number, cells in rows:
        if number > MAX_SCANNED_ROWS:
            raise RosterFileError(
                f"文件行数过多(超过 {MAX_SCANNED_ROWS} 行)，最多导入 {MAX_ROWS} 人"
            )
        if any(cell is not None and str(cell).strip() for cell in cells):
            found.append((number, cells))
            if len(found) > MAX_ROWS + 10:  # the header, perhaps a title above it
                raise RosterFileError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
    return found


def _xlsx_rows(data: bytes) -> Iterable[Row]:
    try:
        yield from spreadsheets.xlsx_rows(
            data,
            what="名册",
            skip_title=HELP_TITLE,
            max_columns=MAX_COLUMNS,
            max_unzipped=MAX_UNZIPPED_BYTES,
        )
    except spreadsheets.UnreadableSheet as exc:
        raise RosterFileError(str(exc)) from exc


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM, or GBK/GB18030 (Excel on Chinese Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("无法识别 CSV 文件的编码，请在 Excel 中另存为「CSV UTF-8」格式")


def _csv_rows(data: bytes) -> Iterable[Row]:
    content = _decode(data)
    if "\x00" in content:
        raise RosterFileError("CSV 文件含有无法识别的内容，文件可能已损坏")
    first_line = content.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        # Excel shows one row per record, even when a quoted cell spans several lines.
        for number, cells in enumerate(reader, start=1):
            row: list[Cell] = list(cells[:MAX_COLUMNS])
            yield number, row
    except csv.Error as exc:
        raise RosterFileError(f"CSV 文件格式错误(第 {reader.line_num} 行附近)") from exc


def roster_sheet(book: spreadsheets.Book, rows: Sequence[Sequence[Cell]]) -> spreadsheets.Sheet:
    """The roster sheet in `book`: the header (required columns marked), then the rows."""
    sheet = book.sheet(
        SHEET_TITLE,
        [column.header for column in COLUMNS],
        widths=[column.width for column in COLUMNS],
        required={column.header for column in COLUMNS if column.required},
    )
    sheet.rows(rows)
    return sheet


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """Header and rows as CSV in UTF-8 with a BOM, so Excel shows the Chinese correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    for values in rows:
        writer.writerow([_csv_cell(value) for value in values])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
