"""会议与学习日: the year's meetings, cancelling one, and what the other meeting pages share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.models.types import CHINA, label_of
from app.services.accounts.admins import Principal
from app.services.meetings import leave as leave_service
from app.services.meetings import meetings as meeting_service
from app.services.meetings import notices
from app.services.meetings import sheet as sheet_service
from app.services.meetings.sheet import Presence
from app.services.people import org_units as org_unit_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.forms import parse_int
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/meetings")

STATUS_TONES = {
    "已取消": "text-bg-secondary",
    "未开始": "text-bg-info",
    "签到中": "text-bg-primary",
    "进行中": "text-bg-primary",
    "已结束": "text-bg-light border",
}


# --- shared ---------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    """A meeting kind in Chinese (an unknown value as it is stored)."""
    return label_of(MeetingKind, kind)


def status_of(meeting: Meeting, moment: datetime) -> str:
    """已取消, 未开始, 签到中 (check-in open before the start), 进行中 or 已结束, by the clock."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return "已取消"
    if moment < meeting.starts_at:
        return "签到中" if meeting.checkin_opens_at <= moment else "未开始"
    if moment < meeting.ends_at:
        return "进行中"
    return "已结束"


async def meeting_in_scope(session: AsyncSession, me: Principal, meeting_id: int) -> Meeting:
    """The meeting if the user may see its unit; the same 404 for missing and out of scope."""
    meeting = await meeting_service.get(session, meeting_id=meeting_id)
    if meeting is None or not me.sees_unit(meeting.org_unit_id):
        raise NotFound("没有找到这次会议，或者它不在您负责的组织范围内。")
    return meeting


# --- the year's list ------------------------------------------------------------------------


def _summary(found: sheet_service.Sheet) -> str:
    return (
        f"签到 {found.count(Presence.PRESENT)}/{found.invited} · "
        f"请假 {found.count(Presence.ON_LEAVE)} · 补学 {found.made_up}"
    )


@router.get("", response_class=HTMLResponse)
async def meeting_list(
    request: Request, session: Session, me: ConsoleUser, year: str = "", kind: str = ""
) -> HTMLResponse:
    """This China year's meetings by month, with their status and (once ended) attendance."""
    moment = now(request)
    this_year = moment.astimezone(CHINA).year
    chosen_year = parse_int(year)
    if chosen_year is None or not 2000 <= chosen_year <= 2100:
        chosen_year = this_year
    chosen_kind = kind if kind in {k.value for k in MeetingKind} else ""
    start, end = meeting_service.year_bounds(chosen_year)
    found = await meeting_service.between(
        session,
        start=start,
        end=end,
        unit_ids=me.unit_ids,
        kinds=[MeetingKind(chosen_kind)] if chosen_kind else None,
    )
    names = await org_unit_service.path_names(session)
    months: dict[int, list[dict[str, Any]]] = {}
    for meeting in found:
        status = status_of(meeting, moment)
        summary = None
        if status == "已结束":
            summary = _summary(await sheet_service.sheet(session, meeting=meeting, now=moment))
        months.setdefault(meeting.starts_at.astimezone(CHINA).month, []).append(
            {
                "meeting": meeting,
                "time": meeting_service.local_time(meeting),
                "kind": kind_label(meeting.kind),
                "unit": names.get(meeting.org_unit_id, ""),
                "status": status,
                "summary": summary,
            }
        )
    pending = await leave_service.pending_leaves(session, unit_ids=me.unit_ids)
    context = {
        "nav": "meetings",
        "year": chosen_year,
        "kind": chosen_kind,
        "kinds": [(k.value, k.label) for k in MeetingKind],
        "months": sorted(months.items()),
        "total": len(found),
        "pending": len(pending),
        "tones": STATUS_TONES,
    }
    return render(request, "admin/meetings/list.html", context)


@router.post("/{meeting_id:int}/cancel", response_class=HTMLResponse)
async def cancel_meeting(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消会议: no reminders, check-in or follow-up from now on (the records stay)."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        flash(request, "这次会议已经取消过了。", "info")
    else:
        await meeting_service.cancel(
            session, meeting=meeting, actor=actor(request, me), now=now(request)
        )
        notice = await notices.notify_cancelled(
            session,
            meeting=meeting,
            settings=request.app.state.settings,
            now=now(request),
            by=me.username,
        )
        told = f"已通知收到过提醒的 {notice.total} 人。" if notice is not None else ""
        flash(request, f"已取消会议：{meeting_service.name_of(meeting)}。{told}")
        if notice is not None:
            response = redirect(f"/admin/meetings/{meeting.id}")
            response.background = BackgroundTask(kick_senders, request)
            return response
    return redirect(f"/admin/meetings/{meeting.id}")
