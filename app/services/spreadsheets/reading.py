"""Reading an upload safely: a cap on what a zip bomb costs, row numbers, parses off the loop."""

from __future__ import annotations

import asyncio
import io
import warnings
import weakref
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from openpyxl import load_workbook

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
