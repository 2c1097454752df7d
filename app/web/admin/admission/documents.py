"""A development step's documents: listing them, reading an upload, storing it, downloading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile

from app.api.deps import Session
from app.models import AdmissionDocument, AdmissionFile, AdmissionStep, Person
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.admission import procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.ledger import RESTRICTED_STEP
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import ascii_suffix, download
from app.web.admin.pages import NotFound

router = APIRouter(prefix="/admission")

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# What a scanned document may be: by its name's ending, each with the type it is served as.
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class DocumentView:
    """A document as the file page lists it (its bytes are not read)."""

    id: int
    filename: str
    uploaded_at: datetime


async def listed(session: AsyncSession, step_ids: list[int]) -> dict[int, list[DocumentView]]:
    """The documents of these steps, without their bytes, by step id."""
    if not step_ids:
        return {}
    statement = (
        select(
            AdmissionDocument.id,
            AdmissionDocument.step_id,
            AdmissionDocument.filename,
            AdmissionDocument.uploaded_at,
        )
        .where(col(AdmissionDocument.step_id).in_(step_ids))
        .order_by(col(AdmissionDocument.id))
    )
    found: dict[int, list[DocumentView]] = {}
    for document_id, step_id, filename, uploaded_at in (await session.exec(statement)).all():
        listed = DocumentView(id=document_id or 0, filename=filename, uploaded_at=uploaded_at)
        found.setdefault(step_id, []).append(listed)
    return found


async def read_upload(value: object) -> tuple[str, str, bytes] | str | None:
    """The document's name, type and bytes; the reason it is refused; None when none was sent."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    name = PurePath(value.filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()[-120:] or "文件"
    suffix = ascii_suffix(name).lower()
    if suffix not in DOCUMENT_TYPES:
        return "文件只能是 PDF、JPEG、PNG 或 Word（.docx）格式。"
    data = await value.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        return f"文件不能超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB，请压缩后再上传。"
    if not data:
        return "文件是空的，请重新选择。"
    return name, DOCUMENT_TYPES[suffix], data


async def attach(
    session: AsyncSession,
    *,
    dossier: Dossier,
    row: AdmissionStep,
    upload: tuple[str, str, bytes],
    me: Principal,
    who: audit.Actor,
) -> None:
    """Store a document uploaded with a step (audited)."""
    name, content_type, content = upload
    session.add(
        AdmissionDocument(
            step_id=row.id or 0,
            filename=name,
            content_type=content_type,
            content=content,
            uploaded_by=me.username,
        )
    )
    await session.flush()
    step = procedure.step(row.code)
    await audit.record(
        session,
        actor=who,
        action="admission.document",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"{dossier.person.name}：{procedure.label(step)}上传 {name}",
    )


@router.get("/documents/{document_id:int}")
async def download_document(
    request: Request, document_id: int, session: Session, me: ConsoleUser
) -> Response:
    """A step's document, always as a download; 政审 documents for admins only (audited)."""
    document = await session.get(AdmissionDocument, document_id) if document_id else None
    step = await session.get(AdmissionStep, document.step_id) if document else None
    file = await session.get(AdmissionFile, step.file_id) if step else None
    person = await session.get(Person, file.person_id) if file else None
    restricted = step is not None and step.code == RESTRICTED_STEP
    if (
        document is None
        or person is None
        or not me.sees_unit(person.org_unit_id)
        or (restricted and not me.is_admin)
    ):
        raise NotFound("没有找到这个文件。")
    if restricted:
        await audit.record(
            session,
            actor=actor(request, me),
            action="admission.view_political_review",
            target_type="admission_file",
            target_id=step.file_id if step else None,
            summary=f"下载 {person.name} 的政审材料 {document.filename}",
        )
    fallback = f"document-{document_id}{ascii_suffix(document.filename)}"
    sandboxed = {"Content-Security-Policy": "default-src 'none'; sandbox"}
    return download(
        document.content,
        document.filename,
        fallback=fallback,
        media_type=document.content_type,
        headers=sandboxed,
    )
