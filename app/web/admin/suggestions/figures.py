"""The figures page: any period (this year by default), each figure linked to its list."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.services import audit, spreadsheets
from app.services.suggestions import figures as figure_service
from app.services.suggestions import queue
from app.web.admin.deps import ConsoleUser, actor
from app.web.admin.downloads import download
from app.web.admin.pages import render
from app.web.admin.suggestions.common import filters_of

router = APIRouter(prefix="/suggestions")


@router.get("/figures", response_class=HTMLResponse)
async def figures_page(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Received, adopted, implemented, 金点子, ¥ verified (and estimated) for the period."""
    period = filters_of(request, default_year=True)
    assert period.start is not None and period.end is not None
    if period.start > period.end:
        period = period.but(start=period.end, end=period.start)
    assert period.start is not None and period.end is not None
    found = await figure_service.compute(
        session, start=period.start, end=period.end, seen=queue.visibility(me)
    )
    span = {"start": period.start.isoformat(), "end": period.end.isoformat()}

    def link(basis: str) -> str:
        return "/admin/suggestions?" + urlencode({**span, "basis": basis})

    figures = [
        ("received", "提出合理化建议", f"{found.received} 条", link("submitted")),
        ("adopted", "采纳", f"{found.adopted} 条", link("adopted")),
        ("implemented", "实施", f"{found.implemented} 条", link("implemented")),
        ("golden", "金点子", f"{found.golden} 条", link("awarded")),
        ("verified", "核定经济效益", f"¥{found.verified_benefit:,.2f}（{found.verified_count} 条）",
         link("verified")),
        ("estimated", "预计经济效益（采纳时估算）", f"¥{found.estimated_benefit:,.2f}",
         link("adopted")),
    ]  # fmt: skip
    context = {"nav": "suggestions", "figures": figures, "span": span, "found": found}
    return render(request, "admin/suggestions/figures.html", context)


@router.get("/figures.xlsx")
async def figures_export(request: Request, session: Session, me: ConsoleUser) -> Response:
    """The period's figures as .xlsx (audited)."""
    period = filters_of(request, default_year=True)
    assert period.start is not None and period.end is not None
    found = await figure_service.compute(
        session, start=period.start, end=period.end, seen=queue.visibility(me)
    )
    await audit.record(
        session, actor=actor(request, me), action="suggestion.export",
        summary=f"导出合理化建议统计 {period.start}—{period.end}",
    )  # fmt: skip
    data = await spreadsheets.off_loop(
        spreadsheets.write_sheet, "合理化建议统计", ["项目", "数值"],
        figure_service.sheet_rows(found), widths=[32, 28],
    )  # fmt: skip
    name = f"合理化建议统计-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return download(data, name, fallback="suggestion-figures.xlsx")
