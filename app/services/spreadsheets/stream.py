"""The .xlsx the app hands out as streamed SpreadsheetML (StreamBook): large exports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from app.services.spreadsheets.book import DEFAULT_WIDTH

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
# Shared strings kept for a book (about 200 bytes each at most, the texts aside): a year's 台账
# of 10,000 people has about 40,000 distinct texts.
_SHARED_MAX = 200_000
_SHARED_CHARS = 4_000_000
_CHUNK = 20_000  # pieces of XML joined and written at once
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


class _Strings:
    """The book's shared strings: each distinct text is cleaned and escaped once, at the end, and
    a cell holds its index (shorter XML to write and to deflate). Bounded: past the budget, new
    texts are written inline in their cells instead."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.chars = 0

    def add(self, text: str) -> int | None:
        """The new text's index, or None once the budget is spent (write it inline)."""
        if len(self.index) >= _SHARED_MAX or self.chars + len(text) > _SHARED_CHARS:
            return None
        self.chars += len(text)
        at = self.index[text] = len(self.index)
        return at

    def write(self, out: IO[bytes]) -> None:
        """sharedStrings.xml, a chunk at a time."""
        out.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(self.index)}">'.encode())
        chunk: list[str] = []
        for text in self.index:
            chunk.append(f'<si><t xml:space="preserve">{_text(text)}</t></si>')
            if len(chunk) >= _CHUNK:
                out.write("".join(chunk).encode())
                chunk.clear()
        chunk.append("</sst>")
        out.write("".join(chunk).encode())


class SheetStream:
    """One StreamBook sheet open for rows: each batch is encoded and compressed as it comes."""

    def __init__(self, out: IO[bytes], letters: list[str], strings: _Strings) -> None:
        self._out = out
        self._letters = letters
        self._strings = strings
        self.count = 0

    def rows(self, rows: Iterable[Sequence[object]]) -> None:
        """Append rows (CPU work: off the event loop), numbered on from the last batch."""
        # The hot loop of every large export (millions of cells): the common types are tested
        # by identity and each row is appended piece by piece, joined once per chunk.
        letters = self._letters
        strings = self._strings
        shared = strings.index
        chunk: list[str] = []
        append = chunk.append
        number = self.count + 1
        for number, row in enumerate(rows, start=self.count + 2):
            append(f'<row r="{number}">')
            for letter, value in zip(letters, row, strict=False):
                kind = type(value)
                if kind is str:
                    at = shared.get(value)  # type: ignore[call-overload]
                    if at is None:
                        at = strings.add(value)  # type: ignore[arg-type]
                    if at is not None:
                        append(f'<c r="{letter}{number}" t="s"><v>{at}</v></c>')
                        continue
                elif value is None:
                    continue
                elif kind is int or kind is float:
                    append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                    continue
                append(_cell(f"{letter}{number}", value))
            append("</row>")
            if len(chunk) >= _CHUNK:
                self._out.write("".join(chunk).encode())
                chunk.clear()
        self.count = number - 1
        self._out.write("".join(chunk).encode())


class StreamBook:
    """An .xlsx written straight as SpreadsheetML into its zip, one sheet after another: about
    0.5 µs a cell (openpyxl's write-only mode takes 14); `open` takes a sheet's rows in batches,
    so the caller holds one batch at a time. Text is text (shared strings, never a formula),
    dates are dates, the header is bold and frozen; no merges or validations (Book has those).
    """

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=4)
        self._titles: list[str] = []
        self._strings = _Strings()

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
            yield SheetStream(out, letters, self._strings)
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
            f'Type="{_RELS}/styles" Target="styles.xml"/><Relationship Id="rId{count + 2}" '
            f'Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        with self._zip.open("xl/sharedStrings.xml", "w") as out:
            self._strings.write(out)
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
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
            f"{overrides}"
            "</Types>",
        )
        self._zip.close()
        return self._buffer.getvalue()
