"""请假审批: pending leave requests, approved or rejected, and the member told."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import LeaveRequest, LeaveStatus, Meeting
from app.services.meetings import leave as leave_service
from app.services.meetings import meetings as meeting_service
from app.services.meetings import notices
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.forms import text_fields
from app.web.admin.pages import ConsoleError, NotFound, flash, redirect, render, safe_next

router = APIRouter(prefix="/meetings")

# --- leave requests -------------------------------------------------------------------------


@router.get("/leaves", response_class=HTMLResponse)
async def leave_list(request: Request, session: Session, me: ConsoleUser) -> HTMLResponse:
    """Leave requests waiting for a decision, oldest first, and who has checked in since."""
    names = await org_unit_service.path_names(session)
    queue = await leave_service.leave_queue(session, now=now(request), unit_ids=me.unit_ids)
    rows = [
        {
            "leave": line.leave,
            "meeting": line.meeting,
            "meeting_name": meeting_service.name_of(line.meeting),
            # A group secretary sees their members' leave for a branch meeting they cannot open.
            "linked": me.sees_unit(line.meeting.org_unit_id),
            "person": line.person,
            "unit": names.get(line.person.org_unit_id or 0, ""),
            "decidable": line.decidable,
            "standing": line.current.label if line.current else "不在参会范围",
            "checked_in_at": line.current.checked_in_at if line.current else None,
        }
        for line in queue
    ]
    return render(request, "admin/meetings/leaves.html", {"nav": "meetings", "rows": rows})


@router.post("/leaves/{leave_id:int}/decide", response_class=HTMLResponse)
async def decide_leave(
    request: Request, leave_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """准假 or 不准假, with an optional note; the member is told by a notice."""
    form = await request.form()
    fields = text_fields(form, "decision", "note", "next")
    back = safe_next(fields["next"], "/admin/meetings/leaves")
    leave = await session.get(LeaveRequest, leave_id)
    person = await people_service.get(session, person_id=leave.person_id) if leave else None
    # Leave is scoped by the member's unit, as the pending list is.
    if leave is None or person is None or not me.sees_unit(person.org_unit_id):
        raise NotFound("没有找到这条请假，或者它不在您负责的组织范围内。")
    if fields["decision"] not in ("approve", "reject"):
        raise ConsoleError("请选择准假或不准假。")
    meeting = await session.get(Meeting, leave.meeting_id)
    assert meeting is not None  # the foreign key cascades: a request never outlives its meeting
    moment = now(request)
    approve = fields["decision"] == "approve"
    decided = await leave_service.decide_leave(
        session,
        request=leave,
        approve=approve,
        note=fields["note"] or None,
        actor=actor(request, me),
        now=moment,
    )
    if not decided and leave.status == LeaveStatus.WITHDRAWN.value:
        flash(request, f"{person.name}已签到，请假已自动撤回，无需审批。", "info")
        return redirect(back)
    if not decided:
        flash(request, "这条请假已经处理过了。", "info")
        return redirect(back)
    await notices.notify_leave_decision(
        session,
        request=leave,
        meeting=meeting,
        settings=request.app.state.settings,
        now=moment,
    )
    verdict = "已准假" if approve else "未准假"
    flash(request, f"{person.name}的请假{verdict}，已通知本人。")
    response = redirect(back)
    # The sender reads the notice from the database: start it once this request has committed.
    response.background = BackgroundTask(kick_senders, request)
    return response
