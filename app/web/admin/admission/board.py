"""组织发展: the pipeline board (next step per person, overdue in red), the probation countdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Session
from app.models import NoticeKind, PoliticalStage
from app.models.types import china_day
from app.services import workdays as workday_service
from app.services.admission import deadlines, dossiers, procedure
from app.services.admission.deadlines import Deadline
from app.services.admission.dossiers import Dossier
from app.services.people import org_units as org_unit_service
from app.web.admin.deps import ConsoleUser
from app.web.admin.forms import parse_int
from app.web.admin.options import unit_options
from app.web.admin.pages import render, today

router = APIRouter(prefix="/admission")

# The board's columns: the stages a person with an open file is in (正式党员: 待归档).
STAGES = (
    PoliticalStage.APPLICANT,
    PoliticalStage.ACTIVIST,
    PoliticalStage.CANDIDATE,
    PoliticalStage.PROBATIONARY,
    PoliticalStage.FULL,
)


@dataclass(frozen=True)
class BoardRow:
    """One person on the board."""

    dossier: Dossier
    next_step: procedure.Step | None
    deadline: Deadline | None  # the nearest one
    overdue: int  # how many of the file's deadlines have passed
    notice: str | None = None  # "公示中，至 12月11日" / "公示意见待核实 1 条"


def _holding(dossier: Dossier, day: date) -> str | None:
    """What a 公示 that holds the file says on the board, if one does."""
    notice = dossier.holding_notice(day)
    if notice is None:
        return None
    unchecked = len(dossier.unresolved(notice))
    if notice.ends_on >= day:
        running = f"公示中，至 {china_day(notice.ends_on, year=False)}"
        return running + (f"，{unchecked} 条意见待核实" if unchecked else "")
    return f"公示意见待核实 {unchecked} 条"


@router.get("", response_class=HTMLResponse)
async def board(
    request: Request, session: Session, me: ConsoleUser, unit: str = ""
) -> HTMLResponse:
    """The open files by stage, each with its next step and nearest deadline; filter by unit."""
    units = await unit_options(session, me)
    unit_id = parse_int(unit)
    scope = me.unit_ids
    if unit_id in {uid for uid, _ in units}:
        subtree = frozenset(await org_unit_service.subtree_ids(session, root_id=unit_id))
        scope = subtree if scope is None else scope & subtree
    else:
        unit_id = None
    files = await dossiers.open_files(session, unit_ids=scope)
    calendar = await workday_service.load(session)
    day = today(request)
    months = request.app.state.settings.political_review_valid_months
    groups: dict[str, list[BoardRow]] = {stage.value: [] for stage in STAGES}
    for dossier in files:
        due = deadlines.compute(dossier, workdays=calendar, today=day, review_valid_months=months)
        urgent = [d for d in due if d.kind in (deadlines.Kind.DUE, deadlines.Kind.EXPIRES)]
        row = BoardRow(
            dossier=dossier,
            next_step=dossier.next_step(),
            deadline=next(iter(urgent or due), None),
            overdue=sum(1 for d in due if d.overdue),
            notice=_holding(dossier, day),
        )
        groups.setdefault(dossier.person.stage, []).append(row)
    context = {
        "nav": "admission",
        "stages": [(stage.value, stage.label) for stage in STAGES],
        "groups": groups,
        "units": units,
        "unit": "" if unit_id is None else str(unit_id),
        "total": len(files),
        "overdue": sum(1 for rows in groups.values() for row in rows if row.overdue),
        "label": procedure.label,
    }
    return render(request, "admin/admission/board.html", context)


@dataclass(frozen=True)
class ProbationRow:
    """A probationary member and how far their conversion is."""

    dossier: Dossier
    ends_on: date
    days_left: int
    requested: bool
    notice: str  # 未公示 / 公示中 / 已公示
    resolved: bool


@router.get("/probation", response_class=HTMLResponse)
async def probation(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """预备期倒计时: probationary members, the end of probation, soonest first."""
    day = today(request)
    rows = []
    for dossier in await dossiers.open_files(session, unit_ids=me.unit_ids):
        ends = dossier.probation_ends_on()
        if ends is None:
            continue
        conversion = dossier.notice(NoticeKind.CONVERSION)
        notice = "未公示"
        if conversion is not None:
            notice = "已公示" if conversion.ends_on < day else "公示中"
        rows.append(
            ProbationRow(
                dossier=dossier,
                ends_on=ends,
                days_left=(ends - day).days,
                requested=dossier.done_on("conversion_request") is not None,
                notice=notice,
                resolved=dossier.done_on("conversion_resolution") is not None,
            )
        )
    rows.sort(key=lambda r: (r.days_left, r.dossier.person.name))
    return render(request, "admin/admission/probation.html", {"nav": "admission", "rows": rows})
