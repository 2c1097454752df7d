"""Spreadsheets: reading an upload safely (a cap on what a zip bomb costs, row numbers) and
writing every .xlsx the app hands out (text stays text, never a formula)."""

from app.services.spreadsheets.book import (
    DATE_FORMAT,
    DEFAULT_WIDTH,
    HEADER_FONT,
    REQUIRED_FILL,
    REQUIRED_FONT,
    Book,
    Sheet,
    write_sheet,
)
from app.services.spreadsheets.reading import (
    MAX_UNZIPPED_BYTES,
    PARSERS,
    XLS_MAGIC,
    XLSX_MAGIC,
    UnreadableSheet,
    off_loop,
    xlsx_rows,
)
from app.services.spreadsheets.stream import SheetStream, StreamBook

__all__ = [
    "DATE_FORMAT",
    "DEFAULT_WIDTH",
    "HEADER_FONT",
    "MAX_UNZIPPED_BYTES",
    "PARSERS",
    "REQUIRED_FILL",
    "REQUIRED_FONT",
    "XLSX_MAGIC",
    "XLS_MAGIC",
    "Book",
    "Sheet",
    "SheetStream",
    "StreamBook",
    "UnreadableSheet",
    "off_loop",
    "write_sheet",
    "xlsx_rows",
]
