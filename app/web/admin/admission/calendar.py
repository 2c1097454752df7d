"""Holidays of years the calendar package does not know yet, entered by an admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.services import workdays as workday_service
from app.services.accounts.admins import Principal
from app.services.admission import notices
from app.services.workdays import CalendarEntryError
from app.web.admin.deps import ConsoleAdmin, ConsoleUser, actor
from app.web.admin.forms import parse_int, text_fields
from app.web.admin.pages import flash, redirect, render, today

router = APIRouter(prefix="/admission")

AHEAD = 2  # the coming years shown: next year and the one after


async def _page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    texts: dict[int, str] | None = None,
    errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    calendar = await workday_service.load(session)
    year = today(request).year
    coming = list(range(year + 1, year + AHEAD + 1))
    entered: dict[int, list[Any]] = {}
    for number in sorted({*coming, *calendar.entered_years}):
        if number in calendar.entered_years:
            entered[number] = await workday_service.entered(session, year=number)
    context = {
        "nav": "admission",
        "built_in": sorted(workday_service.PACKAGE_YEARS),
        "latest": max(workday_service.PACKAGE_YEARS),
        "coming": [
            (number, calendar.knows(number), number in workday_service.PACKAGE_YEARS)
            for number in coming
        ],
        "entered": entered,
        "texts": texts or {},
        "errors": errors or {},
    }
    return render(request, "admin/admission/calendar.html", context, status_code)


@router.get("/calendar", response_class=HTMLResponse)
async def calendar_page(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """放假安排: the years built in, the coming years not known yet, what admins entered."""
    return await _page(request, session, me)


@router.post("/calendar", response_class=HTMLResponse)
async def enter_year(request: Request, session: Session, me: ConsoleAdmin) -> Response:
    """Enter (or replace) a coming year's holidays and adjusted working days, one per line."""
    shown = text_fields(await request.form(), "year", "days")
    number = parse_int(shown["year"])
    if number is None or not 2000 <= number <= 2100:
        errors = {0: "请选择年份。"}
        return await _page(request, session, me, errors=errors, status_code=400)
    try:
        days = workday_service.parse_days(number, shown["days"])
        await workday_service.enter_year(session, year=number, days=days, actor=actor(request, me))
    except CalendarEntryError as exc:
        await session.rollback()
        texts, errors = {number: shown["days"]}, {number: str(exc)}
        return await _page(request, session, me, texts=texts, errors=errors, status_code=422)
    # 公示 still running into that year are counted again with its holidays.
    recomputed = await notices.recompute_open(
        session,
        workdays=await workday_service.load(session),
        actor=actor(request, me),
        today=today(request),
    )
    message = f"已录入 {number} 年放假安排（{len(days)} 天）。"
    if recomputed:
        message += f"已按新的放假安排重新计算 {recomputed} 个进行中公示的截止日期。"
    flash(request, message)
    return redirect("/admin/admission/calendar")
