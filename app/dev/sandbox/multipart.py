"""A minimal multipart/form-data reader for material uploads (python-multipart isn't installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart body."""

    name: str
    filename: str | None
    content_type: str
    content: bytes


def boundary_of(content_type: str) -> bytes | None:
    """Return the boundary of a multipart/form-data Content-Type, if it is one."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    match = re.search(r'boundary="?([^";]+)"?', params)
    return match.group(1).encode() if match else None


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart]:
    """Split a multipart/form-data body into its parts by field name (the first part wins)."""
    boundary = boundary_of(content_type)
    if boundary is None:
        return {}
    parts: dict[str, FormPart] = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = {}
        for line in head.decode("utf-8", "replace").strip().split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        name = params.get("name")
        if name is None or name in parts:
            continue
        parts[name] = FormPart(
            name=name,
            filename=params.get("filename"),
            content_type=headers.get("content-type", "application/octet-stream"),
            # The part ends with the CRLF that precedes the next delimiter.
            content=content[:-2] if content.endswith(b"\r\n") else content,
        )
    return parts
