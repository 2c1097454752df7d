"""支部概览 (/admin/reports): a year's charts from one JSON endpoint, and the 台账 downloads."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.api.deps import Session
from app.models import PoliticalStage
from app.services.accounts.admins import Principal
from app.services.people import org_units as org_unit_service
from app.services.reports import exports
from app.services.reports.figures import year_figures
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import download
from app.web.admin.forms import parse_int
from app.web.admin.options import unit_options
from app.web.admin.pages import render, today
from app.web.admin.reports.charts import charts

router = APIRouter(prefix="/reports")


@dataclass(frozen=True)
class Choice:
    """The year and unit asked for, and the units whose people that covers."""

    year: int
    unit_id: int | None
    unit_ids: Collection[int] | None
    units: list[tuple[int, str]]


async def _choice(
    request: Request, session: Session, me: Principal, year: str, unit: str
) -> Choice:
    """The year (this year when odd) and unit (ignored outside the user's scope)."""
    chosen = parse_int(year)
    if chosen is None or not 2000 <= chosen <= 2100:
        chosen = today(request).year
    units = await unit_options(session, me)
    unit_id = parse_int(unit)
    scope = me.unit_ids
    if unit_id in {uid for uid, _ in units}:
        subtree = frozenset(await org_unit_service.subtree_ids(session, root_id=unit_id))
        scope = subtree if scope is None else scope & subtree
    else:
        unit_id = None
    return Choice(chosen, unit_id, scope, units)


@router.get("", response_class=HTMLResponse)
async def overview(
    request: Request, session: Session, me: ConsoleUser, year: str = "", unit: str = ""
) -> HTMLResponse:
    """The page: the filters, the charts (drawn by reports.js from /data) and the downloads."""
    choice = await _choice(request, session, me, year, unit)
    this_year = today(request).year
    context = {
        "nav": "reports",
        "year": choice.year,
        "unit_id": choice.unit_id,
        "units": choice.units,
        "years": list(range(this_year, this_year - 6, -1)),
        "query": f"year={choice.year}" + (f"&unit={choice.unit_id}" if choice.unit_id else ""),
    }
    return render(request, "admin/reports/overview.html", context)


@router.get("/data")
async def data(
    request: Request, session: Session, me: ConsoleUser, year: str = "", unit: str = ""
) -> JSONResponse:
    """The year's figures as the charts draw them, each with the link to its records."""
    choice = await _choice(request, session, me, year, unit)
    figures = await year_figures(session, year=choice.year, unit_ids=choice.unit_ids)
    body = {
        "year": choice.year,
        "unit_id": choice.unit_id,
        "months": [f"{m}月" for m in range(1, 13)],
        "series": figures.series,
        "pipeline": [
            {"stage": stage, "label": PoliticalStage(stage).label, "count": count}
            for stage, count in figures.pipeline.items()
        ],
        "meetings": figures.meetings,
        "charts": charts(choice.year, choice.unit_id),
        "summary": exports.summary_paragraphs(figures),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/ledger.xlsx")
async def ledger_export(
    request: Request, session: Session, me: ConsoleUser, year: str = "", unit: str = ""
) -> Response:
    """一键台账: the year's records as .xlsx, one sheet a kind (廉政谈话 for admins; audited)."""
    choice = await _choice(request, session, me, year, unit)
    data = await exports.export_ledger(
        session,
        year=choice.year,
        unit_id=choice.unit_id,
        unit_ids=choice.unit_ids,
        talks=me.is_admin,
        actor=actor(request, me),
    )
    name = f"{choice.year}年工作台账-{await exports.scope_name(session, choice.unit_id)}.xlsx"
    return download(data, name, fallback=f"ledger-{choice.year}.xlsx")


@router.get("/summary.docx")
async def summary_export(
    request: Request, session: Session, me: ConsoleUser, year: str = "", unit: str = ""
) -> Response:
    """The year's figures in a Word summary (audited)."""
    choice = await _choice(request, session, me, year, unit)
    data = await exports.export_word(
        session,
        year=choice.year,
        unit_id=choice.unit_id,
        unit_ids=choice.unit_ids,
        actor=actor(request, me),
    )
    name = f"{choice.year}年度党建工作总结-{await exports.scope_name(session, choice.unit_id)}.docx"
    return download(data, name, fallback=f"summary-{choice.year}.docx", media_type=exports.DOCX)
