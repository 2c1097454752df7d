"""三会一课年度视图: per unit, each requirement's months or quarters, and who falls behind."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Session
from app.models.meetings import Requirement
from app.models.types import CHINA
from app.services.meetings import frequency
from app.services.meetings.frequency import Period, PeriodStatus
from app.web.admin.deps import ConsoleUser, now
from app.web.admin.forms import parse_int
from app.web.admin.pages import render

router = APIRouter(prefix="/meetings")

# Colour is a second channel: every cell also says its status in words.
TONES = {
    PeriodStatus.MET: "bg-success-subtle text-success-emphasis",
    PeriodStatus.MISSING: "bg-danger-subtle text-danger-emphasis",
    PeriodStatus.CURRENT: "bg-info-subtle text-info-emphasis",
    PeriodStatus.FUTURE: "bg-body-tertiary text-secondary",
}
LATE_TONE = "bg-warning-subtle text-warning-emphasis"


def list_link(year: int, requirement: Requirement) -> str:
    """The year's meeting list, filtered to the requirement's kind when it has only one."""
    params: dict[str, str | int] = {"year": year}
    # The list filters by one kind: a two-kind requirement (党课 + 专题党课) links unfiltered.
    if len(requirement.kinds) == 1:
        params["kind"] = requirement.kinds[0].value
    return f"/admin/meetings?{urlencode(params)}"


def cell_text(period: Period) -> str:
    """What a cell says besides its colour: the count and the status in words."""
    if period.status is PeriodStatus.MET:
        return f"{period.held} 次"
    if period.status is PeriodStatus.CURRENT:
        text = "本月尚未召开" if period.months == 1 else "本季度尚未召开"
        if period.late:
            return f"{text}（已过半）"
        return f"{text}（已安排 {period.planned} 次）" if period.planned else text
    if period.status is PeriodStatus.FUTURE:
        return f"已安排 {period.planned} 次" if period.planned else "未到"
    return "未召开"


def cell_tone(period: Period) -> str:
    """The cell's colour classes."""
    return LATE_TONE if period.late else TONES[period.status]


@router.get("/year", response_class=HTMLResponse)
async def meeting_year(
    request: Request, session: Session, me: ConsoleUser, year: str = ""
) -> HTMLResponse:
    """The China year's 三会一课 grid per unit in the user's scope, warnings on top."""
    moment = now(request)
    this_year = moment.astimezone(CHINA).year
    chosen = parse_int(year)
    if chosen is None or not 2000 <= chosen <= 2100:
        chosen = this_year
    view = await frequency.year_view(session, year=chosen, now=moment, unit_ids=me.unit_ids)
    context = {
        "nav": "meetings",
        "year": chosen,
        "this_year": this_year,
        "view": view,
        "months": range(1, 13),
        "list_link": list_link,
        "cell_text": cell_text,
        "cell_tone": cell_tone,
        "statuses": list(PeriodStatus),
        "tones": TONES,
        "late_tone": LATE_TONE,
    }
    return render(request, "admin/meetings/year.html", context)
