"""A meeting's attachments (会议记录附件): upload, download (never inline), delete."""

from __future__ import annotations

from pathlib import PurePath

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile

from app.api.deps import Session
from app.models import (
    MeetingAttachment,
)
from app.services import audit
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.downloads import ascii_suffix, download
from app.web.admin.meetings.detail import attachment_list, detail_page, size_label
from app.web.admin.meetings.pages import meeting_in_scope
from app.web.admin.pages import NotFound, flash, redirect

router = APIRouter(prefix="/meetings")

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Served with their own type (still as a download); anything else, HTML and SVG above all,
# goes out as bytes, so an uploaded page can never run in the console's origin.
DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
    }
)


def clean_filename(raw: str) -> str:
    """The uploaded name without folders or control characters, at most 200 characters."""
    name = PurePath(raw.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > 200:
        suffix = ascii_suffix(name)
        name = name[: 200 - len(suffix)] + suffix
    return name or "附件"


def _content_type(raw: str | None) -> str:
    value = (raw or "").split(";", 1)[0].strip().lower()
    return value[:100] if value else "application/octet-stream"


async def _upload(value: object) -> tuple[str, str | None, bytes] | str:
    """The uploaded file's name, type and bytes, or the reason it is refused."""
    if not isinstance(value, UploadFile) or not value.filename:
        return "请选择要上传的文件。"
    # One byte more than allowed is enough to know it is too large.
    data = await value.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        return f"附件不能超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB。"
    if not data:
        return "文件是空的，请重新选择。"
    return value.filename, value.content_type, data


@router.post("/{meeting_id:int}/attachments", response_class=HTMLResponse)
async def add_attachment(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Attach one file (at most 10 MB) to the meeting's minutes."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    upload = await _upload((await request.form()).get("file"))
    if isinstance(upload, str):
        errors = {"file": upload}
        return await detail_page(request, session, me, meeting, errors=errors, status_code=400)
    raw_name, content_type, data = upload
    filename = clean_filename(raw_name)
    attachment = MeetingAttachment(
        meeting_id=meeting_id,
        filename=filename,
        content_type=_content_type(content_type),
        size=len(data),
        data=data,
        uploaded_by=me.username,
        uploaded_at=now(request),
    )
    session.add(attachment)
    await session.flush()
    await audit.record(
        session,
        actor=actor(request, me),
        action="meeting.attachment_add",
        target_type="meeting",
        target_id=meeting_id,
        summary=f"{filename}（{size_label(len(data))}）",
    )
    flash(request, f"已上传附件：{filename}。")
    return redirect(f"/admin/meetings/{meeting_id}#attachments")


async def _attachment(
    session: AsyncSession, meeting_id: int, attachment_id: int
) -> MeetingAttachment:
    attachment = await session.get(MeetingAttachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting_id:
        raise NotFound("没有找到这个附件。")
    return attachment


@router.get("/{meeting_id:int}/attachments/{attachment_id:int}")
async def download_attachment(
    meeting_id: int, attachment_id: int, session: Session, me: ConsoleUser
) -> Response:
    """The attachment as uploaded, always as a download (never shown inline)."""
    await meeting_in_scope(session, me, meeting_id)
    attachment = await _attachment(session, meeting_id, attachment_id)
    media_type = attachment.content_type
    if media_type not in DOWNLOAD_TYPES:
        media_type = "application/octet-stream"
    fallback = f"attachment-{attachment_id}{ascii_suffix(attachment.filename)}"
    # Should a browser render it anyway, it runs nothing and reaches nothing.
    sandboxed = {"Content-Security-Policy": "default-src 'none'; sandbox"}
    return download(
        attachment.data,
        attachment.filename,
        fallback=fallback,
        media_type=media_type,
        headers=sandboxed,
    )


@router.post("/{meeting_id:int}/attachments/{attachment_id:int}/delete")
async def delete_attachment(
    request: Request, meeting_id: int, attachment_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Remove an attachment (audited with its name and size)."""
    await meeting_in_scope(session, me, meeting_id)
    # Found by its name and size alone: the bytes need not be read to be deleted.
    found = next(
        (a for a in await attachment_list(session, meeting_id) if a.id == attachment_id), None
    )
    if found is None:
        raise NotFound("没有找到这个附件。")
    filename, size = found.filename, found.size
    await session.exec(delete(MeetingAttachment).where(col(MeetingAttachment.id) == attachment_id))
    await audit.record(
        session,
        actor=actor(request, me),
        action="meeting.attachment_delete",
        target_type="meeting",
        target_id=meeting_id,
        summary=f"{filename}（{size_label(size)}）",
    )
    flash(request, f"已删除附件：{filename}。")
    return redirect(f"/admin/meetings/{meeting_id}#attachments")
