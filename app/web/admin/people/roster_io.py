"""Roster files in the console: import (all or nothing), export (audited), the blank template."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.api.deps import Session
from app.services import audit
from app.services.people import roster_io as roster_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor
from app.web.admin.downloads import download
from app.web.admin.pages import NotFound, render, today

router = APIRouter(prefix="/people")

Format = Literal["xlsx", "csv"]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a roster of a few hundred rows is far below this
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _fmt(value: object) -> Format | None:
    if value == "xlsx":
        return "xlsx"
    if value == "csv":
        return "csv"
    return None


def _download(data: bytes, fmt: Format, stem: str) -> Response:
    return download(data, f"{stem}.{fmt}", fallback=f"roster.{fmt}", media_type=_MEDIA[fmt])


def _import_page(
    request: Request, *, error: str | None = None, status_code: int = 200, **extra: object
) -> HTMLResponse:
    context = {"nav": "people", "error": error, "report": None, "filename": None, **extra}
    return render(request, "admin/people/import.html", context, status_code)


@router.get("/import", response_class=HTMLResponse)
async def import_form(request: Request, me: ConsoleWriter) -> HTMLResponse:
    """The upload form, with the template to start from."""
    return _import_page(request)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """Import a roster file: created/updated/unchanged, or the row errors and nothing imported."""
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, error="请选择要导入的文件(.xlsx 或 .csv)。", status_code=400)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _import_page(request, error="文件太大(超过 5 MB)。", status_code=400)
    if not data:
        return _import_page(request, error="文件是空的。", status_code=400)
    report = await roster_service.import_people(
        session,
        data=data,
        filename=upload.filename,
        actor=actor(request, me),
        unit_ids=me.unit_ids,
    )
    status_code = 400 if report.errors else 200
    return _import_page(request, report=report, filename=upload.filename, status_code=status_code)


@router.post("/export")
async def export(request: Request, session: Session, me: ConsoleUser) -> Response:
    """Download the roster in the user's scope as xlsx or csv (audited as people.export)."""
    fmt = _fmt((await request.form()).get("fmt")) or "xlsx"
    data = await roster_service.export_people(
        session, unit_ids=me.unit_ids, fmt=fmt, full_phones=me.can_write
    )
    scope = "全部" if me.unit_ids is None else f"{len(me.unit_ids)} 个组织"
    await audit.record(
        session,
        actor=actor(request, me),
        action="people.export",
        target_type="person",
        summary=f"导出名册({fmt}，范围：{scope})",
    )
    return _download(data, fmt, f"名册-{today(request):%Y%m%d}")


@router.get("/template.{fmt}")
async def template(fmt: str, me: ConsoleUser) -> Response:
    """The empty roster file with the expected columns."""
    checked = _fmt(fmt)
    if checked is None:
        raise NotFound("没有这种格式的模板。")
    return _download(roster_service.template(checked), checked, "名册模板")
