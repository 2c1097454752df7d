"""Spreadsheets: reading an upload safely (a cap on what a zip bomb costs, row numbers) and
writing every .xlsx the app hands out (text stays text, never a formula)."""

from __future__ import annotations

import asyncio
import io
import warnings
import weakref
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, ParamSpec, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MAGIC = b"PK\x03\x04"
# The XML an upload may inflate to. openpyxl spends about 5 µs a cell, so sheet XML of tiny cells
# costs up to 0.5 s a MB (a 60 MB file took 6.5 s): 10 MB bounds the worst parse to about 5 s of
# a worker thread, while a full roster (5,000 people × 20 columns, about 5 MB of XML) and a
# question bank (2 MB zipped, mostly text) keep their room. Above it the upload is refused.
MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
# Parses at once (each in a worker thread); more wait their turn, off the event loop too.
PARSERS = 2
_P = ParamSpec("_P")
_T = TypeVar("_T")
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


async def off_loop(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run a parse in a worker thread, at most PARSERS at once: the event loop (every WeChat
    callback, /healthz) never waits for a spreadsheet."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(PARSERS)
    async with gate:
        return await asyncio.to_thread(function, *args, **kwargs)


class UnreadableSheet(ValueError):
    """The upload is not an .xlsx we can read, with the reason in Chinese."""


def xlsx_rows(
    data: bytes,
    *,
    what: str,
    skip_title: str,
    max_columns: int,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of the first sheet not titled `skip_title` (a help sheet).

    Python's zipfile never inflates past the sizes an archive declares, so refusing a large
    declared total caps what a small "zip bomb" can cost. Gaps in the sheet come back as
    empty rows, so counting gives the row numbers Excel shows. CPU-bound: call it through
    `off_loop`, never on the event loop.
    """
    corrupt = UnreadableSheet("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise corrupt from exc
    if unzipped > max_unzipped:
        raise UnreadableSheet(
            f"Excel 文件解压后过大：约 {-(-unzipped // 1024 // 1024)} MB，"
            f"超过 {max_unzipped // 1024 // 1024} MB 的上限。"
            "请删除多余的工作表、图片或格式，或拆分后分批导入。"
        )
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


# Writing. Every .xlsx the app hands out goes through Book: text is stored as text (a name or a
# reason typed as "=HYPERLINK(…)" never becomes a formula), control characters openpyxl refuses
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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode='
    '"yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
    '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" '
    'fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" '
    'borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" '
    'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle '
    'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_EPOCH = datetime(1899, 12, 30)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value).translate(_ESCAPES)


def _cell(ref: str, value: object) -> str:
    """One cell's XML: text inline (never a formula), numbers as numbers, dates as dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="3"><v>{serial}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH.date()).days}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{_text(str(value))}</t></is></c>'


class SheetStream:
    """One StreamBook sheet open for rows: each batch is encoded and compressed as it comes."""

    def __init__(self, out: IO[bytes], letters: list[str]) -> None:
        self._out = out
        self._letters = letters
        self.count = 0

    def rows(self, rows: Iterable[Sequence[object]]) -> None:
        """Append rows (CPU work: off the event loop), numbered on from the last batch."""
        letters = self._letters
        chunk: list[str] = []
        number = self.count + 1
        for number, row in enumerate(rows, start=self.count + 2):
            cells = "".join(
                _cell(f"{letter}{number}", value)
                for letter, value in zip(letters, row, strict=False)
            )
            chunk.append(f'<row r="{number}">{cells}</row>')
            if len(chunk) >= 2000:
                self._out.write("".join(chunk).encode())
                chunk.clear()
        self.count = number - 1
        self._out.write("".join(chunk).encode())


class StreamBook:
    """An .xlsx written straight as SpreadsheetML into its zip, one sheet after another: about
    1 µs a cell (openpyxl's write-only mode takes 14); `open` takes a sheet's rows in batches, so
    the caller holds one batch at a time. Text is inline text (never a formula), dates are
    dates, the header is bold and frozen; no merges or validations (Book has those).
    """

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._titles: list[str] = []

    def sheet(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        widths: Sequence[float] | float = DEFAULT_WIDTH,
    ) -> None:
        """A whole sheet: the bold header row (frozen), then the rows (CPU work: off the loop)."""
        with self.open(title, header, widths=widths) as out:
            out.rows(rows)

    @contextmanager
    def open(
        self, title: str, header: Sequence[str], *, widths: Sequence[float] | float = DEFAULT_WIDTH
    ) -> Iterator[SheetStream]:
        """A sheet written a batch of rows at a time (`rows()` as often as needed, off the loop)."""
        self._titles.append(title[:31])
        letters = [get_column_letter(i) for i in range(1, len(header) + 1)]
        sizes = [widths] * len(header) if isinstance(widths, int | float) else list(widths)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{size}" customWidth="1"/>'
            for i, size in enumerate(sizes, start=1)
        )
        name = f"xl/worksheets/sheet{len(self._titles)}.xml"
        with self._zip.open(name, "w") as out:
            head = "".join(
                f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_text(text)}</t></is></c>'
                for letter, text in zip(letters, header, strict=True)
            )
            out.write(
                f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0"><pane '
                'ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
                f'</sheetViews><cols>{cols}</cols><sheetData><row r="1">{head}</row>'.encode()
            )
            yield SheetStream(out, letters)
            out.write(b"</sheetData></worksheet>")

    def to_bytes(self) -> bytes:
        """The .xlsx file (the workbook, its relations and styles written last)."""
        count = len(self._titles)
        sheets = "".join(
            f'<sheet name="{_text(title)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, title in enumerate(self._titles, start=1)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{sheets}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PACKAGE}">{links}<Relationship Id="rId{count + 1}" '
            f'Type="{_RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._zip.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_TYPE}.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        self._zip.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>{overrides}'
            "</Types>",
        )
        self._zip.close()
        return self._buffer.getvalue()
