"""Files the console sends: never cached, never sniffed, named in Chinese with an ASCII fallback."""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import quote

from fastapi.responses import Response

from app.web.admin.pages import SECURITY_HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(name: str, fallback: str) -> str:
    """RFC 5987: the Chinese name for browsers that read it, an ASCII one for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_suffix(name: str) -> str:
    suffix = PurePath(name).suffix
    return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""


def download(
    data: bytes,
    name: str,
    *,
    fallback: str,
    media_type: str = XLSX,
    headers: dict[str, str] | None = None,
) -> Response:
    """A file to save as `name` (`fallback` for clients without RFC 5987); never cached."""
    sent = {
        "Content-Disposition": content_disposition(name, fallback),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
    }
    return Response(data, media_type=media_type, headers=sent | (headers or {}))
