"""岗位建功 in the console: the filtered list and its .xlsx export (scoped to the user's units)."""

from __future__ import annotations

from math import ceil

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models import ContributionStatus
from app.services.contributions import listing, records
from app.web.admin.contributions.filters import filter_of
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import download
from app.web.admin.forms import parse_page
from app.web.admin.options import unit_options
from app.web.admin.pages import render, today

router = APIRouter(prefix="/contributions")
PAGE_SIZE = 50


@router.get("", response_class=HTMLResponse)
async def contribution_list(
    request: Request, session: Session, me: ConsoleUser, page: str = ""
) -> HTMLResponse:
    """The contributions of the user's units, newest first, by status, kind, unit, date, text."""
    units = await unit_options(session, me)
    found, shown = filter_of(request.query_params, units)
    number = parse_page(page)
    rows, total = await listing.page(
        session,
        found=found,
        unit_ids=me.unit_ids,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    context = {
        "nav": "contributions",
        "rows": rows,
        "total": total,
        "page": number,
        "pages": max(1, ceil(total / PAGE_SIZE)),
        "filters": shown,
        "filtered": any(shown.values()),
        "units": units,
        "kinds": records.kinds(),
        "statuses": [(s.value, s.label) for s in ContributionStatus],
        "benefit_label": records.benefit_label,
    }
    return render(request, "admin/contributions/list.html", context)


@router.post("/export")
async def contribution_export(request: Request, session: Session, me: ConsoleUser) -> Response:
    """导出 the list's filter as .xlsx, built in a worker thread (audited)."""
    form = await request.form()
    found, _ = filter_of(form, await unit_options(session, me))
    data = await listing.export(
        session, found=found, unit_ids=me.unit_ids, actor=actor(request, me)
    )
    name = f"岗位建功-{today(request):%Y%m%d}.xlsx"
    return download(data, name, fallback="contributions.xlsx")
