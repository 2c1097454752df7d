"""Roster files in the console: import (all or nothing), export (audited), the blank template."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from app.api.deps import Session
from app.models import ImportJob, ImportKind, ImportStatus
from app.services import imports as import_service
from app.services.accounts.admins import Principal
from app.services.people import roster_io as roster_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_imports, now
from app.web.admin.downloads import download
from app.web.admin.pages import NotFound, redirect, render, today

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
    context = {
        "nav": "people",
        "error": error,
        "report": None,
        "filename": None,
        "job": None,
        "running": ImportStatus.RUNNING.value,
        **extra,
    }
    return render(request, "admin/people/import.html", context, status_code)


@router.get("/import", response_class=HTMLResponse)
async def import_form(request: Request, me: ConsoleWriter) -> HTMLResponse:
    """The upload form, with the template to start from."""
    return _import_page(request)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Import a roster file: created/updated/unchanged, or the row errors and nothing imported;
    a large file is imported in the background, and its page shows the progress."""
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, error="请选择要导入的文件(.xlsx 或 .csv)。", status_code=400)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _import_page(request, error="文件太大(超过 5 MB)。", status_code=400)
    if not data:
        return _import_page(request, error="文件是空的。", status_code=400)
    if roster_service.is_large(data, filename=upload.filename):
        # Too long to import within the request: queued, and the page shows its progress.
        job = await import_service.queue(
            session,
            kind=ImportKind.ROSTER,
            filename=upload.filename,
            data=data,
            actor=actor(request, me),
            now=now(request),
            params={"unit_ids": None if me.unit_ids is None else sorted(me.unit_ids)},
        )
        response = redirect(f"/admin/people/import/jobs/{job.id}")
        # After the response, so the job is committed before the worker looks for it.
        response.background = BackgroundTask(kick_imports, request)
        return response
    report = await roster_service.import_people(
        session,
        data=data,
        filename=upload.filename,
        actor=actor(request, me),
        unit_ids=me.unit_ids,
    )
    status_code = 400 if report.errors else 200
    return _import_page(request, report=report, filename=upload.filename, status_code=status_code)


async def _job(session: Session, me: Principal, job_id: int) -> ImportJob:
    """A roster import this user started (an admin sees every one)."""
    job = await import_service.get(session, job_id=job_id)
    if job is None or job.kind != ImportKind.ROSTER.value:
        raise NotFound("没有找到这次导入。")
    if not me.is_admin and job.requested_by_id != me.id:
        raise NotFound("没有找到这次导入。")
    return job


@router.get("/import/jobs/{job_id:int}", response_class=HTMLResponse)
async def import_job_page(
    request: Request, job_id: int, session: Session, me: ConsoleWriter
) -> HTMLResponse:
    """A background import: 正在导入… with its progress, then the same report as at once."""
    job = await _job(session, me, job_id)
    finished = job.status in import_service.FINISHED
    report = roster_service.ImportReport.from_json(job.report or {}) if finished else None
    status_code = 400 if report is not None and report.errors else 200
    return _import_page(
        request, report=report, filename=job.filename, job=job, status_code=status_code
    )


@router.get("/import/jobs/{job_id:int}.json")
async def import_job_progress(job_id: int, session: Session, me: ConsoleWriter) -> JSONResponse:
    """Where a background import is: status, rows done of the total, and when finished, the
    counts and the number of problems."""
    job = await _job(session, me, job_id)
    problems = len((job.report or {}).get("errors", []))
    return JSONResponse(
        import_service.figures(job, problems=problems),
        headers={"Cache-Control": "no-store"},
    )


@router.post("/export")
async def export(request: Request, session: Session, me: ConsoleUser) -> Response:
    """Download the roster in the user's scope as xlsx or csv (audited as people.export)."""
    fmt = _fmt((await request.form()).get("fmt")) or "xlsx"
    data = await roster_service.export_audited(
        session, unit_ids=me.unit_ids, fmt=fmt, full_phones=me.can_write, actor=actor(request, me)
    )
    return _download(data, fmt, f"名册-{today(request):%Y%m%d}")


@router.get("/template.{fmt}")
async def template(fmt: str, me: ConsoleUser) -> Response:
    """The empty roster file with the expected columns."""
    checked = _fmt(fmt)
    if checked is None:
        raise NotFound("没有这种格式的模板。")
    return _download(roster_service.template(checked), checked, "名册模板")
