"""The periods in the console: the list, a period's sheets (in scope), sign-off, the export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import AssessmentPeriod, PeriodKind, PeriodStatus
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.assessments import export, periods, review
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.downloads import download
from app.web.admin.pages import Forbidden, NotFound, flash, redirect, render

router = APIRouter(prefix="/assessments")
_MISSING = "没有找到这一期考核。"


async def period_of(session: AsyncSession, period_id: int) -> AssessmentPeriod:
    """The period, or the 404 page."""
    period = await session.get(AssessmentPeriod, period_id)
    if period is None:
        raise NotFound(_MISSING)
    return period


def _name(period: AssessmentPeriod) -> str:
    """The period's name."""
    return periods.name_of(PeriodKind(period.kind), period.starts_on)


@router.get("", response_class=HTMLResponse)
async def period_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """The filled periods, newest first, each with its status."""
    rows = [
        {"period": one, "name": _name(one), "status": PeriodStatus(one.status).label}
        for one in await review.list_periods(session)
    ]
    return render(request, "admin/assessments/periods.html", {"nav": "assessments", "rows": rows})


@router.get("/periods/{period_id:int}", response_class=HTMLResponse)
async def period_page(
    request: Request, period_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The period's sheets of the user's units; review requests first."""
    period = await period_of(session, period_id)
    rows = await review.sheets_of(session, period_id=period_id, unit_ids=me.unit_ids)
    rows.sort(key=lambda row: row.sheet.review_requested_at is None)
    context = {
        "nav": "assessments",
        "period": period,
        "name": _name(period),
        "status": PeriodStatus(period.status).label,
        "signed": period.status == PeriodStatus.SIGNED.value,
        "rows": rows,
    }
    return render(request, "admin/assessments/period.html", context)


async def _covers_all(session: AsyncSession, me: Principal, period_id: int) -> bool:
    """Whether every sheet of the period is within the user's units."""
    if me.unit_ids is None:
        return True
    everyone = await review.sheets_of(session, period_id=period_id, unit_ids=None)
    return all(row.sheet.org_unit_id in me.unit_ids for row in everyone)


@router.post("/periods/{period_id:int}/sign-off", response_class=HTMLResponse)
async def sign_off(
    request: Request, period_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Sign the period off (once); each member is told once and sees their own sheet."""
    period = await period_of(session, period_id)
    if not await _covers_all(session, me, period_id):
        raise Forbidden("这一期考核包含您负责范围以外的党员，请由管理员签发。")
    done = await review.sign_off(
        session,
        period=period,
        actor=actor(request, me),
        settings=request.app.state.settings,
        now=now(request),
    )
    if done:
        flash(request, "已签发，党员将收到通知并可查看本人考核结果。")
    else:
        flash(request, "这一期考核已经签发过。", "warning")
    back = redirect(f"/admin/assessments/periods/{period_id}")
    back.background = BackgroundTask(kick_senders, request)
    return back


@router.post("/periods/{period_id:int}/export")
async def export_period(
    request: Request, period_id: int, session: Session, me: ConsoleUser
) -> Response:
    """The period's sheets of the user's units as .xlsx (audited)."""
    period = await period_of(session, period_id)
    data = await export.xlsx(session, period=period, unit_ids=me.unit_ids)
    await audit.record(
        session,
        actor=actor(request, me),
        action="assessments.export",
        target_type="assessment_period",
        target_id=period_id,
        summary=f"{_name(period)}考核表",
    )
    return download(data, f"{_name(period)}考核表.xlsx", fallback=f"assessments-{period_id}.xlsx")
