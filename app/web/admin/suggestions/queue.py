"""The queue of suggestions with its filters, and its .xlsx export (any filter)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models.types import CHINA
from app.services import audit, spreadsheets
from app.services.people import org_units
from app.services.suggestions import queue, records
from app.services.suggestions import reviewers as reviewer_service
from app.services.suggestions.queue import Row
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import download
from app.web.admin.forms import parse_page
from app.web.admin.options import unit_options
from app.web.admin.pages import render, today
from app.web.admin.suggestions.common import CATEGORIES, STATUSES, campaigns, filters_of

router = APIRouter(prefix="/suggestions")

COLUMNS = (
    *(("编号", 11), ("提出日期", 12), ("建议人", 10), ("工号", 10), ("类别", 10)),
    *(("建议内容", 60), ("状态", 9), ("预计效益（元）", 14), ("核定效益（元）", 14)),
    *(("核定依据", 30), ("奖项", 10), ("不采纳理由", 30)),
)


def _day(moment: datetime | None) -> object:
    return moment.astimezone(CHINA).date() if moment else None


def _sheet(rows: list[Row]) -> bytes:
    """The list as .xlsx (CPU work: called in a worker thread)."""
    return spreadsheets.write_sheet(
        "合理化建议",
        [name for name, _ in COLUMNS],
        (
            (
                r.suggestion.number,
                _day(r.suggestion.submitted_at),
                r.person.name,
                r.person.employee_no,
                records.category_label(r.suggestion.category),
                r.suggestion.content,
                records.status_label(r.suggestion.status),
                r.suggestion.estimated_benefit,
                r.suggestion.verified_benefit,
                r.suggestion.benefit_basis,
                r.suggestion.award,
                r.suggestion.reject_reason,
            )
            for r in rows
        ),
        widths=[width for _, width in COLUMNS],
        wrap=[6],
    )


@router.get("", response_class=HTMLResponse)
async def queue_page(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The suggestions the user sees, filtered, newest first, 50 a page."""
    filters = filters_of(request)
    number = parse_page(request.query_params.get("page"))
    rows, total = await queue.page(
        session,
        filters=filters,
        seen=queue.visibility(me),
        offset=(number - 1) * queue.PAGE_SIZE,
    )
    context = {
        "nav": "suggestions",
        "rows": rows,
        "total": total,
        "page": number,
        "pages": max(1, -(-total // queue.PAGE_SIZE)),
        "filters": filters,
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "bases": queue.BASES,
        "campaigns": await campaigns(session),
        "units": await unit_options(session, me),
        "reviewers": [(u.id, u.display_name) for u in await reviewer_service.candidates(session)],
        "unit_names": await org_units.path_names(session),
        "labels": {"status": records.status_label, "category": records.category_label},
        "title_of": records.title_of,
        "query": filters.query(),
    }
    return render(request, "admin/suggestions/queue.html", context)


@router.get("/export.xlsx")
async def export_list(request: Request, session: Session, me: ConsoleUser) -> Response:
    """The filtered list as .xlsx (audited)."""
    filters = filters_of(request)
    rows, _ = await queue.page(
        session, filters=filters, seen=queue.visibility(me), limit=queue.EXPORT_LIMIT
    )
    await audit.record(
        session, actor=actor(request, me), action="suggestion.export",
        summary=f"导出合理化建议 {len(rows)} 条",
    )  # fmt: skip
    data = await spreadsheets.off_loop(_sheet, rows)
    return download(data, f"合理化建议-{today(request):%Y%m%d}.xlsx", fallback="suggestions.xlsx")
