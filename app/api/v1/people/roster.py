"""The roster file: export (audited), the blank template, and import (all rows or none)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session, Writer, actor_of
from app.api.errors import ApiError, ErrorResponse, error_responses
from app.api.v1.common import now
from app.models.types import CHINA
from app.services.people import roster_io as roster_service

router = APIRouter(prefix="/people", tags=["roster"])

Format = Literal["xlsx", "csv"]
FormatQuery = Annotated[Format, Query(description="xlsx (default) or csv")]
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _file_responses() -> dict[int | str, dict[str, Any]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": {media: binary for media in MEDIA_TYPES.values()}}}


def _download(data: bytes, *, fmt: Format, stem: str) -> Response:
    filename = f"{stem}.{fmt}"
    disposition = f"attachment; filename=roster.{fmt}; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


class RowErrorPublic(BaseModel):
    """One problem in the uploaded file: which row, which column, and what is wrong."""

    row: int
    column: str | None
    message: str


class ImportReportPublic(BaseModel):
    """What an import did."""

    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorPublic]


def _row_error(error: roster_service.RowError) -> RowErrorPublic:
    return RowErrorPublic(row=error.row, column=error.column, message=error.message)


@router.get("/export", response_class=Response, responses=_file_responses())
async def export_people(
    session: Session, principal: CurrentPrincipal, request: Request, fmt: FormatQuery = "xlsx"
) -> Response:
    """Download the roster within your scope (every export is audited)."""
    data = await roster_service.export_audited(
        session,
        unit_ids=principal.unit_ids,
        fmt=fmt,
        full_phones=principal.can_write,
        actor=actor_of(request, principal),
    )
    day = now(request).astimezone(CHINA).strftime("%Y%m%d")
    return _download(data, fmt=fmt, stem=f"党员名册-{day}")


@router.get("/template", response_class=Response, responses=_file_responses())
async def roster_template(principal: CurrentPrincipal, fmt: FormatQuery = "xlsx") -> Response:
    """Download the blank roster file to fill in for an import."""
    return _download(roster_service.template(fmt), fmt=fmt, stem="党员名册-模板")


@router.post(
    "/import",
    responses={
        **error_responses(403, 413),
        422: {
            "model": ErrorResponse,
            "description": "Row errors in `error.details` (row, column, message); nothing imported",
        },
    },
)
async def import_people(
    session: Session,
    principal: Writer,
    request: Request,
    file: Annotated[UploadFile, File(description="The roster, .xlsx or .csv")],
) -> ImportReportPublic:
    """Import a roster file: all rows or none (row errors → 422, nothing written)."""
    # Read one byte past the limit: enough to refuse a huge upload without holding all of it.
    data = await file.read(roster_service.MAX_BYTES + 1)
    if len(data) > roster_service.MAX_BYTES:
        raise ApiError(413, f"文件不能超过 {roster_service.MAX_BYTES // (1024 * 1024)} MB")
    try:
        report = await roster_service.import_people(
            session,
            data=data,
            filename=file.filename or "",
            actor=actor_of(request, principal),
            unit_ids=principal.unit_ids,
        )
    except ValueError as exc:  # defensive: the service reports unreadable files as row errors
        row = getattr(exc, "row", 0)
        details = [{"row": row, "column": None, "message": str(exc)}] if row else None
        raise ApiError(422, str(exc) or "无法读取该文件", details=details) from exc
    if report.errors:
        first = report.errors[0]
        message = (
            first.message  # the file as a whole (empty, not a roster, …)
            if len(report.errors) == 1 and not first.row
            else f"文件中有 {len(report.errors)} 处错误，未导入任何数据"
        )
        # Raising (not returning) rolls the unit of work back, whatever the service flushed.
        details = [_row_error(error).model_dump() for error in report.errors]
        raise ApiError(422, message, details=details)
    return ImportReportPublic(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        errors=[],
    )
