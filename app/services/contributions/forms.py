"""A contribution's form as the member page and the console send it: fields and files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol

from app.services.attachments import MAX_BYTES, AttachmentRefused
from app.services.contributions.records import MAX_FILES, Draft, Upload

FIELDS = ("kind", "title", "description", "done_on", "ended_on", "benefit", "co_contributors")


class SentFile(Protocol):
    """A file of a multipart form (Starlette's UploadFile)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes."""
        ...


def _day(raw: str, field: str, errors: dict[str, str]) -> date | None:
    """A typed date (None when blank; the error noted when malformed)."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = "日期格式应为 年-月-日，例如 2026-03-05。"
        return None


def draft_of(shown: Mapping[str, str], *, person_id: int | None) -> tuple[Draft, dict[str, str]]:
    """The draft from the typed fields, and the errors only the form can see (dates)."""
    errors: dict[str, str] = {}
    draft = Draft(
        person_id=person_id,
        kind=shown.get("kind", ""),
        title=shown.get("title", ""),
        description=shown.get("description", ""),
        done_on=_day(shown.get("done_on", ""), "done_on", errors),
        ended_on=_day(shown.get("ended_on", ""), "ended_on", errors),
        benefit=shown.get("benefit", ""),
        co_contributors=shown.get("co_contributors", ""),
    )
    return draft, errors


async def uploads_of(values: Iterable[object]) -> list[Upload]:
    """The chosen files (an empty file input sends a nameless part: skipped), at most
    MAX_FILES, each read only one byte past the limit (AttachmentRefused otherwise)."""
    chosen = [v for v in values if not isinstance(v, str) and getattr(v, "filename", None)]
    if len(chosen) > MAX_FILES:
        raise AttachmentRefused(f"证明材料最多 {MAX_FILES} 个，请减少后重新上传。")
    found: list[Upload] = []
    for value in chosen:
        sent: SentFile = value  # type: ignore[assignment]
        found.append(
            Upload(filename=str(sent.filename)[-200:], data=await sent.read(MAX_BYTES + 1))
        )
    return found
