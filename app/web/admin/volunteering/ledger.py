"""The hours ledger (per member, per team, per year), its .xlsx, and each member's certificate."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.models.types import CHINA
from app.services import audit
from app.services.volunteering import certificate as certificate_service
from app.services.volunteering import ledger as ledger_service
from app.services.volunteering.hours import shown
from app.web.admin.deps import ConsoleUser, actor, now, person_in_scope
from app.web.admin.downloads import download
from app.web.admin.forms import parse_int
from app.web.admin.pages import render

router = APIRouter(prefix="/volunteering")


def _year(request: Request, raw: str | None) -> int:
    """The year asked for (2000 … 2100), else this year."""
    year = parse_int(raw)
    return (
        year if year is not None and 2000 <= year <= 2100 else now(request).astimezone(CHINA).year
    )


@router.get("/ledger", response_class=HTMLResponse)
async def ledger_page(
    request: Request, session: Session, me: ConsoleUser, year: str = ""
) -> HTMLResponse:
    """Approved hours per member and per team in a year (the user's units)."""
    chosen = _year(request, year)
    members, teams = await ledger_service.year_ledger(session, year=chosen, unit_ids=me.unit_ids)
    context = {
        "nav": "volunteering",
        "year": chosen,
        "members": [(m, shown(m.half_hours)) for m in members],
        "teams": [(t, shown(t.half_hours)) for t in teams],
    }
    return render(request, "admin/volunteering/ledger.html", context)


@router.get("/ledger/export.xlsx")
async def export_ledger(
    request: Request, session: Session, me: ConsoleUser, year: str = ""
) -> Response:
    """The year's ledger as .xlsx (an export: audited, any role)."""
    chosen = _year(request, year)
    data = await ledger_service.workbook(session, year=chosen, unit_ids=me.unit_ids)
    await audit.record(
        session,
        actor=actor(request, me),
        action="volunteer.export",
        target_type="volunteer_ledger",
        target_id=chosen,
        summary=f"{chosen} 年志愿服务时长台账",
    )
    return download(
        data, f"{chosen}年志愿服务时长台账.xlsx", fallback=f"volunteer-hours-{chosen}.xlsx"
    )


@router.get("/people/{person_id:int}/certificate")
async def certificate(
    request: Request, person_id: int, session: Session, me: ConsoleUser, year: str = ""
) -> Response:
    """The member's yearly 志愿服务证明 (.docx, built off the event loop; audited)."""
    person = await person_in_scope(session, me, person_id)
    chosen = _year(request, year)
    data = await certificate_service.certificate(
        session,
        person=person,
        year=chosen,
        today=now(request).astimezone(CHINA).date(),
        actor=actor(request, me),
    )
    return download(
        data,
        certificate_service.file_name(person, chosen),
        fallback=f"volunteer-certificate-{chosen}.docx",
        media_type=certificate_service.DOCX,
    )
