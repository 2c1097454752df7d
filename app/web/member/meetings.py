"""The member's meeting page /m/meetings/<id>: what a reminder links to, with their own status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import LeaveStatus, Meeting, MeetingStatus, Person
from app.models.types import CHINA, china_moment
from app.services.binding import codes as binding_service
from app.services.meetings import invitees
from app.services.meetings import leave as leave_service
from app.services.meetings import makeup as makeup_service
from app.services.meetings import meetings as meeting_service
from app.web.member.reader import MEMBER_KEY, oauth_first, page

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]

CHECK_IN_HOW = "到场后点击菜单「学习日签到」或扫码签到。"
LEAVE_HOW = "不能参加请点击菜单「请假」。"


@dataclass(frozen=True)
class MyStatus:
    """The signed-in member's standing for the meeting, and what they can do about it."""

    label: str
    tone: str  # ok / wait / todo / off
    detail: str | None
    todo: list[str]


def materials_of(meeting: Meeting) -> list[dict[str, str | None]]:
    """The study materials as title and link (only web links and our newsletter pages)."""
    shown: list[dict[str, str | None]] = []
    for item in meeting.materials:
        url = str(item.get("url") or "")
        issue_id = item.get("issue_id")
        # A stored "javascript:" or other scheme must never become a link on a member's phone.
        link: str | None = url if url.startswith(("http://", "https://")) else None
        if link is None and isinstance(issue_id, int) and not isinstance(issue_id, bool):
            link = f"/m/n/{issue_id}"
        title = str(item.get("title") or url or "学习材料")
        shown.append({"title": title, "url": link})
    return shown


async def my_status(
    session: AsyncSession, *, meeting: Meeting, person: Person, now: datetime
) -> MyStatus | None:
    """The person's status (已签到 / 请假待批 / 已准假 / 未签到); None when not invited."""
    assert meeting.id is not None and person.id is not None
    row = await invitees.invitation(session, meeting=meeting, person_id=person.id, now=now)
    if row is None:
        return None
    if row.checked_in_at is not None:
        return MyStatus("已签到", "ok", f"签到时间：{china_moment(row.checked_in_at)}", [])
    ended = meeting.ends_at <= now
    leave = await leave_service.current_leave(session, meeting_id=meeting.id, person_id=person.id)
    if leave is not None and leave.status == LeaveStatus.APPROVED.value:
        return MyStatus("已准假", "off", f"请假事由：{leave.reason}", _makeup(meeting, ended))
    if leave is not None and leave.status == LeaveStatus.PENDING.value:
        todo = [CHECK_IN_HOW] if not ended else _makeup(meeting, ended)
        return MyStatus("请假待批", "wait", f"请假事由：{leave.reason}", todo)
    detail = "请假未获批准。" if leave is not None else None
    if ended:
        made_up = await makeup_service.made_up(session, meeting_id=meeting.id, person_id=person.id)
        if made_up:
            return MyStatus("未签到", "off", "已提交补学。", [])
        return MyStatus("未签到", "todo", detail or "会议已结束。", _makeup(meeting, ended))
    return MyStatus("未签到", "todo", detail, [CHECK_IN_HOW, LEAVE_HOW])


def _makeup(meeting: Meeting, ended: bool) -> list[str]:
    """After the meeting, an absentee is asked to make it up (when the meeting asks for it)."""
    if not ended or not meeting.follow_up:
        return []
    return [f"{meeting_service.makeup_task(meeting)}（点击菜单「补学」提交）"]


@router.get("/meetings/{meeting_id:int}")
async def meeting_page(meeting_id: int, request: Request, session: Session) -> Response:
    """A meeting's details; a member signed in through OAuth also sees their own status."""
    meeting = await meeting_service.get(session, meeting_id=meeting_id)
    if meeting is None:
        return page(
            request,
            "message.html",
            404,
            title="会议不存在",
            text="没有找到这次会议，请回到公众号重新打开。",
        )
    # Once back from OAuth (or if the member declined), show the page without a status.
    if (sign_in := oauth_first(request, f"/m/meetings/{meeting_id}")) is not None:
        return sign_in
    openid = request.session.get(MEMBER_KEY)
    now = request.app.state.clock()
    context: dict[str, Any] = {
        "meeting": meeting,
        "time": meeting_service.local_time(meeting),
        "ends": f"{meeting.ends_at.astimezone(CHINA):%H:%M}",
        "materials": materials_of(meeting),
        "cancelled": meeting.status == MeetingStatus.CANCELLED.value,
        "signed_in": isinstance(openid, str),
        "person": None,
        "status": None,
        "how": [CHECK_IN_HOW, LEAVE_HOW],  # for a reader we could not recognise
    }
    if isinstance(openid, str):
        person = await binding_service.person_for_openid(session, openid=openid)
        context["person"] = person
        if person is not None and not context["cancelled"]:
            context["status"] = await my_status(session, meeting=meeting, person=person, now=now)
    return page(request, "meetings/meeting.html", **context)
