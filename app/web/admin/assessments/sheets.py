"""One sheet in the console: the items, their evidence, and adjusting one with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentSheet,
    PeriodKind,
    PeriodStatus,
    Person,
)
from app.services.accounts.admins import Principal
from app.services.assessments import periods, review
from app.services.assessments.review import ReviewRefused
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/assessments")
_MISSING = "没有找到这份考核表，或者该党员不在您负责的组织范围内。"


async def sheet_in_scope(
    session: AsyncSession, me: Principal, sheet_id: int
) -> tuple[AssessmentSheet, AssessmentPeriod, Person]:
    """The sheet, its period and person, when the sheet is of the user's units (404 alike)."""
    sheet = await session.get(AssessmentSheet, sheet_id)
    if sheet is None or not me.sees_unit(sheet.org_unit_id):
        raise NotFound(_MISSING)
    period = await session.get(AssessmentPeriod, sheet.period_id)
    person = await session.get(Person, sheet.person_id)
    assert period is not None and person is not None
    return sheet, period, person


async def _page(
    request: Request,
    session: AsyncSession,
    sheet: AssessmentSheet,
    period: AssessmentPeriod,
    person: Person,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The sheet page, with an error when an adjustment was refused."""
    context = {
        "nav": "assessments",
        "sheet": sheet,
        "period": period,
        "person": person,
        "name": periods.name_of(PeriodKind(period.kind), period.starts_on),
        "open": period.status == PeriodStatus.FILLED.value,
        "lines": await review.lines_of(session, sheet=sheet, period=period),
        "error": error,
    }
    return render(request, "admin/assessments/sheet.html", context, status_code)


@router.get("/sheets/{sheet_id:int}", response_class=HTMLResponse)
async def sheet_page(
    request: Request, sheet_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """One member's sheet: each item, the records behind it, adjustments and their reasons."""
    sheet, period, person = await sheet_in_scope(session, me, sheet_id)
    return await _page(request, session, sheet, period, person)


@router.post("/sheets/{sheet_id:int}/entries/{entry_id:int}/adjust", response_class=HTMLResponse)
async def adjust(
    request: Request,
    sheet_id: int,
    entry_id: int,
    session: Session,
    me: ConsoleWriter,
    value: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Set an item's value by hand, with the required reason (the computed value is kept)."""
    sheet, period, person = await sheet_in_scope(session, me, sheet_id)
    entry = await session.get(AssessmentEntry, entry_id)
    if entry is None or entry.sheet_id != sheet_id:
        raise NotFound(_MISSING)
    try:
        number = float(value)
    except ValueError:
        number = None
    try:
        if number is None or not -1e6 < number < 1e6:
            raise ReviewRefused("请填写数值。")
        await review.adjust(
            session, entry=entry, value=number, reason=reason, actor=actor(request, me),
            now=now(request),
        )  # fmt: skip
    except ReviewRefused as refused:
        status = 409 if period.status != PeriodStatus.FILLED.value else 400
        return await _page(
            request, session, sheet, period, person, error=str(refused), status_code=status
        )
    flash(request, "已调整，原始数值保留在考核表中。")
    return redirect(f"/admin/assessments/sheets/{sheet_id}")
