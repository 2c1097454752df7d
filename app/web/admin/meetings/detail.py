"""One meeting: its details, reminders, broadcasts, attendance sheet, minutes and attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import Session
from app.models import (
    Broadcast,
    BroadcastStatus,
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    MeetingStatus,
    Person,
)
from app.models.types import label_of
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.broadcasts.progress import KINDS as BROADCAST_KINDS
from app.services.meetings import attendance, reminders
from app.services.meetings import export as export_service
from app.services.meetings import meetings as meeting_service
from app.services.meetings import sheet as sheet_service
from app.services.people import org_units as org_unit_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now, person_in_scope
from app.web.admin.downloads import download
from app.web.admin.forms import text_fields
from app.web.admin.meetings.pages import STATUS_TONES, kind_label, meeting_in_scope, status_of
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/meetings")

MINUTES_MAX = 20_000
PRESENCE_TONES = {
    "present": "text-bg-success",
    "on_leave": "text-bg-info",
    "leave_pending": "text-bg-warning",
    "absent": "text-bg-danger",
    "not_yet": "text-bg-light border",
}
# Characters Windows does not allow in a file name (the export's name carries the title).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment without its bytes (the list never loads them)."""

    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: datetime


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _moment(value: datetime, zone: ZoneInfo) -> str:
    """ "12月4日 14:30" in China time."""
    local = value.astimezone(zone)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def size_label(size: int) -> str:
    """ "512 字节", "12.3 KB", "1.5 MB"."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- what the page shows --------------------------------------------------------------------


async def _host(session: AsyncSession, meeting: Meeting) -> str | None:
    if meeting.host_id is None:
        return None
    host = await session.get(Person, meeting.host_id)
    return host.name if host else None


async def invitees_text(session: AsyncSession, meeting: Meeting) -> str:
    """Who the meeting invites, in words."""
    assert meeting.id is not None
    if meeting.invite_mode == "people":
        statement = select(MeetingAttendance.id).where(
            MeetingAttendance.meeting_id == meeting.id, col(MeetingAttendance.named).is_(True)
        )
        return f"指定人员（{len((await session.exec(statement)).all())} 人）"
    names = await org_unit_service.path_names(session)
    unit = names.get(meeting.invite_unit_id or 0, "（单位已删除）")
    who = "党员" if meeting.party_members_only else "全体人员"
    return f"{unit}（含下级党小组）的{who}"


def reminder_plan(request: Request, meeting: Meeting) -> list[str]:
    """Each reminder and the follow-up, with when they go (by the app's settings)."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return ["会议已取消，不再发送提醒和补学通知。"]
    settings = request.app.state.settings
    zone = _zone(request)
    plan: list[str] = []
    if meeting.remind:
        for offset, due in reminders.upcoming_reminders(meeting, settings):
            if due is None:
                plan.append(f"提前 {offset.span}：落在免打扰时段，不发送")
                continue
            line = f"提前 {offset.span}：{_moment(due, zone)}"
            if due != meeting.starts_at - offset.lead:
                line += "（避开免打扰时段）"
            plan.append(line)
    else:
        plan.append("本次会议不发会前提醒。")
    if meeting.follow_up:
        at = time.fromisoformat(settings.meeting_followup_time)
        due = reminders.followup_due(meeting, at)
        plan.append(f"会后补学通知：{_moment(due, zone)}（发给未签到、未补学的人员）")
    return plan


async def _broadcasts(session: AsyncSession, meeting: Meeting) -> list[dict[str, Any]]:
    statement = (
        select(Broadcast)
        .where(Broadcast.subject_type == "meeting", Broadcast.subject_id == meeting.id)
        .order_by(col(Broadcast.created_at), col(Broadcast.id))
    )
    return [
        {
            "broadcast": b,
            "kind": BROADCAST_KINDS.get(b.kind, b.kind),
            "status": label_of(BroadcastStatus, b.status),
        }
        for b in (await session.exec(statement)).all()
    ]


async def attachment_list(session: AsyncSession, meeting_id: int) -> list[AttachmentInfo]:
    statement = (
        select(MeetingAttachment)
        # A list never needs the bytes (SQLModel types the column as plain bytes).
        .options(defer(MeetingAttachment.data))  # type: ignore[arg-type]
        .where(MeetingAttachment.meeting_id == meeting_id)
        .order_by(col(MeetingAttachment.id))
    )
    return [
        AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.uploaded_by, a.uploaded_at)
        for a in (await session.exec(statement)).all()
        if a.id is not None
    ]


def _materials(meeting: Meeting) -> list[dict[str, Any]]:
    shown = []
    for item in meeting.materials:
        url = str(item.get("url") or "")
        # Only web links become links: a stored "javascript:" must never be clickable.
        link = url if url.startswith(("http://", "https://")) else None
        shown.append(
            {"title": str(item.get("title") or url), "url": link, "issue_id": item.get("issue_id")}
        )
    return shown


async def detail_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    meeting: Meeting,
    *,
    minutes: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert meeting.id is not None
    moment = now(request)
    zone = _zone(request)
    found = await sheet_service.sheet(session, meeting=meeting, now=moment, unit_ids=me.unit_ids)
    names = await org_unit_service.path_names(session)
    context = {
        "nav": "meetings",
        "meeting": meeting,
        "kind": kind_label(meeting.kind),
        "time": meeting_service.local_time(meeting),
        "ends": f"{meeting.ends_at.astimezone(zone):%H:%M}",
        "checkin_window": " 至 ".join(
            _moment(at, zone) for at in (meeting.checkin_opens_at, meeting.checkin_closes_at)
        ),
        "unit": names.get(meeting.org_unit_id, ""),
        "host": await _host(session, meeting),
        "materials": _materials(meeting),
        "invitees": await invitees_text(session, meeting),
        "makeup_task": meeting_service.makeup_task(meeting),
        "status": status_of(meeting, moment),
        "tones": STATUS_TONES,
        "checkin_open": attendance.is_open(meeting, moment),
        "can_mark": meeting.status != MeetingStatus.CANCELLED.value
        and moment >= meeting.checkin_opens_at,
        "plan": reminder_plan(request, meeting),
        "broadcasts": await _broadcasts(session, meeting),
        "sheet": found,
        "figures": export_service.summary(found),
        "presence_tones": PRESENCE_TONES,
        "leave_label": export_service.leave_label,
        "scoped": me.unit_ids is not None,
        "minutes_text": (meeting.minutes or "") if minutes is None else minutes,
        "minutes_max": MINUTES_MAX,
        "attachments": await attachment_list(session, meeting.id),
        "size_label": size_label,
        "errors": errors or {},
    }
    return render(request, "admin/meetings/detail.html", context, status_code)


@router.get("/{meeting_id:int}", response_class=HTMLResponse)
async def meeting_detail(
    request: Request, meeting_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The meeting, its reminders and broadcasts, who came, its minutes and attachments."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    return await detail_page(request, session, me, meeting)


# --- attendance -----------------------------------------------------------------------------


@router.post("/{meeting_id:int}/attendance/{person_id:int}")
async def mark_attendance(
    request: Request, meeting_id: int, person_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """登记出席 (present=1) or withdraw it (present=0), e.g. for a member without a phone."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    person = await person_in_scope(session, me, person_id)
    fields = text_fields(await request.form(), "present")
    back = f"/admin/meetings/{meeting_id}#sheet"
    present = fields["present"] == "1"
    if fields["present"] not in ("0", "1"):
        flash(request, "请选择登记出席或撤销登记。", "warning")
        return redirect(back)
    moment = now(request)
    if meeting.status == MeetingStatus.CANCELLED.value:
        flash(request, "这次会议已经取消，不能登记出席。", "warning")
        return redirect(back)
    if present and moment < meeting.checkin_opens_at:
        flash(request, "签到还没有开始，开始后才能登记出席。", "warning")
        return redirect(back)
    statement = select(MeetingAttendance).where(
        MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.person_id == person_id
    )
    row = (await session.exec(statement)).first()
    # Someone not invited may be recorded as a guest, but withdrawing needs a line to withdraw.
    if row is None and not present:
        raise NotFound("这个人不在本次会议的参会名单中。")
    if row is not None and (row.checked_in_at is not None) == present:
        # Marking again would replace their own check-in time and way with the admin's.
        message = f"{person.name}已经签到。" if present else f"{person.name}本来就没有签到。"
        flash(request, message, "info")
        return redirect(back)
    await attendance.mark_present(
        session,
        meeting=meeting,
        person_id=person_id,
        present=present,
        actor=actor(request, me),
        now=moment,
    )
    if present:
        flash(request, f"已登记{person.name}出席。")
    else:
        flash(request, f"已撤销{person.name}的出席登记。")
    return redirect(back)


# --- minutes and attachments ----------------------------------------------------------------


@router.post("/{meeting_id:int}/minutes", response_class=HTMLResponse)
async def save_minutes(
    request: Request, meeting_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Store the minutes (会议记录); too long or unstorable text is shown again with the reason."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    raw = (await request.form()).get("minutes")
    # Browsers send line breaks as CRLF: counted and stored as one character each.
    text = raw.replace("\r\n", "\n") if isinstance(raw, str) else ""
    error = None
    if len(text) > MINUTES_MAX:
        error = f"会议记录最多 {MINUTES_MAX} 字，现在是 {len(text)} 字。"
    elif "\x00" in text:
        error = "会议记录中不能包含空字符。"
    if error is not None:
        return await detail_page(
            request,
            session,
            me,
            meeting,
            minutes=text,
            errors={"minutes": error},
            status_code=400,
        )
    try:
        await meeting_service.save_minutes(
            session, meeting=meeting, text=text, actor=actor(request, me), now=now(request)
        )
    except ValueError:
        errors = {"minutes": "会议记录包含无法保存的字符，请检查后重新提交。"}
        return await detail_page(
            request, session, me, meeting, minutes=text, errors=errors, status_code=400
        )
    flash(request, "已保存会议记录。" if meeting.minutes else "已清空会议记录。")
    return redirect(f"/admin/meetings/{meeting_id}#minutes")


# --- export ---------------------------------------------------------------------------------


def export_filename(meeting: Meeting, zone: ZoneInfo) -> str:
    """ "签到表-2026-12-05-党员固定学习日.xlsx" (the date in China time)."""
    title = _UNSAFE_NAME.sub("_", meeting.title).strip(" ._") or "会议"
    return f"签到表-{meeting.starts_at.astimezone(zone):%Y-%m-%d}-{title}.xlsx"


@router.get("/{meeting_id:int}/export.xlsx")
async def export_sheet(
    request: Request, meeting_id: int, session: Session, me: ConsoleUser
) -> Response:
    """Download the attendance sheet (a secretary's holds their units' people; audited)."""
    meeting = await meeting_in_scope(session, me, meeting_id)
    zone = _zone(request)
    found = await sheet_service.sheet(
        session, meeting=meeting, now=now(request), unit_ids=me.unit_ids
    )
    note = "（仅含您负责单位的人员）" if me.unit_ids is not None else None
    data = export_service.workbook(found, zone=zone, host=await _host(session, meeting), note=note)
    await audit.record(
        session,
        actor=actor(request, me),
        action="meeting.export",
        target_type="meeting",
        target_id=meeting_id,
        summary=f"导出签到表：{meeting_service.name_of(meeting)}（{found.invited} 人）",
    )
    return download(data, export_filename(meeting, zone), fallback=f"meeting-{meeting_id}.xlsx")
