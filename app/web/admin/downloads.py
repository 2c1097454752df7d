"""Files the console sends: the spreadsheet media type and the Content-Disposition header."""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import quote

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(name: str, fallback: str) -> str:
    """RFC 5987: the Chinese name for browsers that read it, an ASCII one for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_suffix(name: str) -> str:
    suffix = PurePath(name).suffix
    return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""
