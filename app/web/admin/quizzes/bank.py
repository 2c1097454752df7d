"""题库: import questions from .xlsx, browse, retire.

The bank is shared by every unit (a question has no unit; tests of any unit pick from it), so
changing it — importing, 停用, 启用 — is for admins; secretaries and viewers browse it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from app.api.deps import Session
from app.models import ImportJob, ImportKind, ImportStatus, Question, QuestionKind
from app.services import imports as import_service
from app.services.accounts.admins import Principal
from app.services.quizzes import bank as bank_service
from app.services.quizzes.bank_file import MAX_BYTES, MAX_ROWS, BankFileError, is_large
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_imports, now
from app.web.admin.downloads import download
from app.web.admin.forms import parse_page, text_fields
from app.web.admin.pages import Forbidden, NotFound, flash, redirect, render, safe_next

router = APIRouter(prefix="/questions")

PAGE_SIZE = 50


async def bank_editor(me: ConsoleWriter) -> Principal:
    """An admin: the bank belongs to no unit, so no secretary may change it for everyone."""
    if not me.is_admin:
        raise Forbidden("题库由全组织共用，只有管理员可以导入、停用或启用试题。")
    return me


BankEditor = Annotated[Principal, Depends(bank_editor)]
STATUSES = {"active": "可用", "retired": "已停用"}


def list_url(bank: str = "", kind: str = "", status: str = "") -> str:
    """The bank page with these filters."""
    params = {k: v for k, v in {"bank": bank, "kind": kind, "status": status}.items() if v}
    return "/admin/questions" + (f"?{urlencode(params)}" if params else "")


@router.get("", response_class=HTMLResponse)
async def question_list(
    request: Request,
    session: Session,
    me: ConsoleUser,
    bank: str = "",
    kind: str = "",
    status: str = "",
    page: str = "",
) -> HTMLResponse:
    """The banks by name with their counts, and the chosen bank's questions."""
    banks = await bank_service.banks(session)
    names = [b.name for b in banks]
    chosen = bank if bank in names else (names[0] if names else "")
    chosen_kind = kind if kind in {k.value for k in QuestionKind} else ""
    chosen_status = status if status in STATUSES else ""
    questions: list[Question] = []
    if chosen:
        questions = await bank_service.list_questions(
            session,
            bank=chosen,
            kind=QuestionKind(chosen_kind) if chosen_kind else None,
            active=None if not chosen_status else chosen_status == "active",
        )
    pages = max(1, -(-len(questions) // PAGE_SIZE))
    number = min(parse_page(page), pages)
    context = {
        "nav": "quizzes",
        "banks": banks,
        "bank": chosen,
        "kind": chosen_kind,
        "status": chosen_status,
        "kinds": [(k.value, k.label) for k in QuestionKind],
        "statuses": STATUSES,
        "questions": questions[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        "count": len(questions),
        "page": number,
        "pages": pages,
        "letters": "ABCDEF",
        "kind_label": lambda value: QuestionKind(value).label,
        "back": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "admin/quizzes/questions.html", context)


def _import_page(
    request: Request,
    *,
    bank: str = "",
    error: str | None = None,
    errors: dict[str, str] | None = None,
    report: bank_service.ImportReport | None = None,
    filename: str | None = None,
    known: list[str] | None = None,
    job: ImportJob | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "job": job,
        "running": ImportStatus.RUNNING.value,
        "nav": "quizzes",
        "form": {"bank": bank},
        "file_error": error,
        "errors": errors or {},
        "report": report,
        "filename": filename,
        "known": known or [],
        "max_rows": MAX_ROWS,
        "max_mb": MAX_BYTES // 1024 // 1024,
    }
    return render(request, "admin/quizzes/question_import.html", context, status_code)


@router.get("/import", response_class=HTMLResponse)
async def import_form(
    request: Request, session: Session, me: BankEditor, bank: str = ""
) -> HTMLResponse:
    """The upload form (the bank's name and the file), with the template to start from."""
    known = [b.name for b in await bank_service.banks(session)]
    return _import_page(request, bank=bank, known=known)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request, session: Session, me: BankEditor) -> Response:
    """Import a bank file: new, updated, unchanged; or every bad row, and nothing stored;
    a large file is imported in the background, and its page shows the progress."""
    form = await request.form()
    known = [b.name for b in await bank_service.banks(session)]
    bank, bank_error = bank_service.check_bank_name(text_fields(form, "bank")["bank"])
    upload = form.get("file")
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    errors: dict[str, str] = {}
    if bank_error:
        errors["bank"] = bank_error
    if not has_file:
        errors["file"] = "请选择要导入的题库文件（.xlsx）。"
    if errors or not isinstance(upload, UploadFile):
        return _import_page(request, bank=bank, errors=errors, known=known, status_code=400)
    filename = upload.filename or ""
    data = await upload.read(MAX_BYTES + 1)  # the service refuses anything longer
    if len(data) <= MAX_BYTES and is_large(data):
        # Too long to import within the request: queued, and the page shows its progress.
        job = await import_service.queue(
            session,
            kind=ImportKind.BANK,
            filename=filename,
            data=data,
            actor=actor(request, me),
            now=now(request),
            params={"bank": bank},
        )
        response = redirect(f"/admin/questions/import/jobs/{job.id}")
        # After the response, so the job is committed before the worker looks for it.
        response.background = BackgroundTask(kick_imports, request)
        return response
    try:
        report = await bank_service.import_questions(
            session,
            bank=bank,
            data=data,
            filename=filename,
            actor=actor(request, me),
            now=now(request),
        )
    except BankFileError as exc:
        return _import_page(
            request, bank=bank, error=str(exc), filename=filename, known=known, status_code=400
        )
    return _import_page(
        request,
        bank=bank,
        report=report,
        filename=filename,
        known=known,
        status_code=400 if report.problems else 200,
    )


async def _job(session: Session, job_id: int) -> ImportJob:
    job = await import_service.get(session, job_id=job_id)
    if job is None or job.kind != ImportKind.BANK.value:
        raise NotFound("没有找到这次导入。")
    return job


@router.get("/import/jobs/{job_id:int}", response_class=HTMLResponse)
async def import_job_page(
    request: Request, job_id: int, session: Session, me: BankEditor
) -> HTMLResponse:
    """A background import: 正在导入… with its progress, then the same report as at once."""
    job = await _job(session, job_id)
    bank = str(job.params.get("bank", ""))
    if job.status not in import_service.FINISHED:
        return _import_page(request, bank=bank, filename=job.filename, job=job)
    report = bank_service.ImportReport.from_json(job.report or {})
    failed = bool(report.problems or report.file_error)
    return _import_page(
        request,
        bank=bank,
        error=report.file_error,
        report=None if report.file_error else report,
        filename=job.filename,
        job=job,
        status_code=400 if failed else 200,
    )


@router.get("/import/jobs/{job_id:int}.json")
async def import_job_progress(job_id: int, session: Session, me: BankEditor) -> JSONResponse:
    """Where a background import is: status, rows done of the total, and when finished, the
    counts and the number of problems."""
    job = await _job(session, job_id)
    report = job.report or {}
    problems = len(report.get("problems", [])) + (1 if report.get("file_error") else 0)
    return JSONResponse(
        import_service.figures(job, problems=problems),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/template.xlsx")
async def template(me: ConsoleUser) -> Response:
    """The blank bank file: the header row and one example of each kind."""
    return download(bank_service.template(), "题库模板.xlsx", fallback="questions.xlsx")


async def _toggle(
    request: Request, question_id: int, session: Session, me: BankEditor, active: bool
) -> Response:
    question = await bank_service.get(session, question_id=question_id)
    if question is None:
        raise NotFound("没有找到这道题。")
    back = safe_next(str((await request.form()).get("next") or ""), list_url(question.bank))
    if question.active == active:
        flash(request, "这道题已经是可用的。" if active else "这道题已经停用了。", "info")
        return redirect(back)
    change = bank_service.restore if active else bank_service.retire
    await change(session, question=question, actor=actor(request, me), now=now(request))
    stem = bank_service.short_stem(question, 24)
    if active:
        flash(request, f"已启用：{stem}")
    else:
        flash(request, f"已停用：{stem}（已用到它的测试不受影响，新测试不能再选它）")
    return redirect(back)


@router.post("/{question_id:int}/retire")
async def retire_question(
    request: Request, question_id: int, session: Session, me: BankEditor
) -> Response:
    """停用 a question: new tests can no longer pick it (tests using it keep it)."""
    return await _toggle(request, question_id, session, me, active=False)


@router.post("/{question_id:int}/restore")
async def restore_question(
    request: Request, question_id: int, session: Session, me: BankEditor
) -> Response:
    """启用 a retired question again."""
    return await _toggle(request, question_id, session, me, active=True)
