"""Photos and documents attached to a record, for every feature: checked, stored, fetched, listed.

An upload from a member page or the console is checked by its bytes (not the name or the type
the browser claims) and stored at once. A photo a member sends in the chat is WeChat's temporary
media: recorded with its id and fetched by the `attachments.fetch` job before WeChat drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import defer, undefer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Attachment

MAX_BYTES = 10 * 1024 * 1024  # WeChat's own limit for a photo; a scanned certificate fits
MAX_PER_OWNER = 9  # as many photos as one WeChat moment holds
KEPT_BY_WECHAT = timedelta(days=3)  # temporary media expire after three days
MAX_ATTEMPTS = 5  # transient failures; a permanent one (expired, unknown) stops at once

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
DOCUMENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
_ZIP_DOCUMENTS = {".docx": DOCUMENT_TYPES[1], ".xlsx": DOCUMENT_TYPES[2]}


class AttachmentRefused(ValueError):
    """An attachment that cannot be kept, with the reason in Chinese for the person."""


def sniff(data: bytes, filename: str = "") -> str | None:
    """The content type the bytes themselves show (None for anything we do not keep)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):  # an Office document is a zip: its name says which
        return _ZIP_DOCUMENTS.get(filename[filename.rfind(".") :].lower())
    return None


def check(data: bytes, *, filename: str = "", documents: bool = False) -> str:
    """The content type of an acceptable upload; AttachmentRefused with the reason otherwise."""
    if not data:
        raise AttachmentRefused("文件是空的，请重新选择。")
    if len(data) > MAX_BYTES:
        raise AttachmentRefused(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB，请压缩后再上传。")
    kind = sniff(data, filename)
    allowed = IMAGE_TYPES + (DOCUMENT_TYPES if documents else ())
    if kind not in allowed:
        wanted = "照片（JPG、PNG、GIF、WebP）" + ("或 PDF、Word、Excel 文件" if documents else "")
        raise AttachmentRefused(f"只能上传{wanted}。")
    return kind


async def count(session: AsyncSession, *, owner_kind: str, owner_id: int) -> int:
    """How many attachments the record has."""
    statement = select(func.count()).where(
        Attachment.owner_kind == owner_kind, Attachment.owner_id == owner_id
    )
    return int((await session.exec(statement)).one())


async def _room(session: AsyncSession, *, owner_kind: str, owner_id: int) -> None:
    if await count(session, owner_kind=owner_kind, owner_id=owner_id) >= MAX_PER_OWNER:
        raise AttachmentRefused(f"最多 {MAX_PER_OWNER} 个附件。")


async def upload(
    session: AsyncSession,
    *,
    owner_kind: str,
    owner_id: int,
    filename: str,
    data: bytes,
    now: datetime,
    documents: bool = False,
) -> Attachment:
    """Check and store an uploaded file (photos; with `documents`, PDF and Office files too)."""
    content_type = check(data, filename=filename, documents=documents)
    await _room(session, owner_kind=owner_kind, owner_id=owner_id)
    attachment = Attachment(
        owner_kind=owner_kind,
        owner_id=owner_id,
        filename=(filename or "")[-200:] or None,
        content_type=content_type,
        size=len(data),
        content=data,
        created_at=now,
        fetched_at=now,
    )
    session.add(attachment)
    await session.flush()
    return attachment


async def from_chat(
    session: AsyncSession, *, owner_kind: str, owner_id: int, media_id: str, url: str, now: datetime
) -> Attachment:
    """Record a photo sent in the chat (fetched later); the same photo twice is one attachment."""
    statement = select(Attachment).where(
        Attachment.owner_kind == owner_kind,
        Attachment.owner_id == owner_id,
        Attachment.media_id == media_id,
    )
    existing = (await session.exec(statement.options(defer(Attachment.content)))).first()  # type: ignore[arg-type]
    if existing is not None:
        return existing
    await _room(session, owner_kind=owner_kind, owner_id=owner_id)
    attachment = Attachment(
        owner_kind=owner_kind,
        owner_id=owner_id,
        media_id=media_id[:128],
        url=url[:1024] or None,
        content_type="image/jpeg",
        created_at=now,
    )
    session.add(attachment)
    await session.flush()
    return attachment


async def of(
    session: AsyncSession, *, owner_kind: str, owner_ids: Sequence[int]
) -> dict[int, list[Attachment]]:
    """Each record's attachments in the order they came, without their bytes."""
    found: dict[int, list[Attachment]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return found
    statement = (
        select(Attachment)
        .where(Attachment.owner_kind == owner_kind, col(Attachment.owner_id).in_(owner_ids))
        .options(defer(Attachment.content))  # type: ignore[arg-type]
        .order_by(col(Attachment.id))
    )
    for attachment in (await session.exec(statement)).all():
        found[attachment.owner_id].append(attachment)
    return found


async def get(
    session: AsyncSession, *, attachment_id: int, owner_kind: str, owner_id: int
) -> Attachment | None:
    """One attachment of this record, with its bytes (None if it belongs to another)."""
    statement = (
        select(Attachment)
        .where(
            Attachment.id == attachment_id,
            Attachment.owner_kind == owner_kind,
            Attachment.owner_id == owner_id,
        )
        # Listed earlier in this session without its bytes: load them now.
        .options(undefer(Attachment.content))  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def wanted(session: AsyncSession, *, now: datetime) -> list[int]:
    """The chat photos not kept yet that WeChat may still have (their ids)."""
    statement = select(Attachment.id).where(
        col(Attachment.media_id).is_not(None),
        col(Attachment.content).is_(None),
        col(Attachment.failure).is_(None),
        Attachment.attempts < MAX_ATTEMPTS,
        Attachment.created_at > now - KEPT_BY_WECHAT,
    )
    return [int(i) for i in (await session.exec(statement.order_by(col(Attachment.id)))).all() if i]


async def media_id_of(session: AsyncSession, *, attachment_id: int) -> str | None:
    """WeChat's media id of a chat photo."""
    statement = select(Attachment.media_id).where(Attachment.id == attachment_id)
    return (await session.exec(statement)).first()


async def keep(
    session: AsyncSession, *, attachment_id: int, content: bytes, content_type: str, now: datetime
) -> None:
    """Store a fetched chat photo."""
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None:  # its record was deleted meanwhile
        return
    attachment.content, attachment.content_type = content, content_type
    attachment.size, attachment.fetched_at = len(content), now
    attachment.attempts += 1
    session.add(attachment)
    await session.flush()


async def missed(
    session: AsyncSession, *, attachment_id: int, reason: str | None, permanent: bool
) -> None:
    """Count a failed fetch; a permanent failure (WeChat no longer has it) ends the attempts."""
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None:
        return
    attachment.attempts += 1
    if permanent:
        attachment.failure = (reason or "微信已不再提供该照片")[:200]
    session.add(attachment)
    await session.flush()


async def delete_of(session: AsyncSession, *, owner_kind: str, owner_id: int) -> None:
    """Remove a record's attachments (the record itself is being deleted)."""
    for attachment in (await of(session, owner_kind=owner_kind, owner_ids=[owner_id]))[owner_id]:
        await session.delete(attachment)
    await session.flush()
