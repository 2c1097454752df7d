"""An activity's page: who signed up, who waits, who checked in, and the hours to approve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from app.api.deps import Session
from app.models import ActivityStatus, Person, SignupStatus, VolunteerSignup
from app.services.volunteering import activities as activity_service
from app.services.volunteering import checkin, hours, signups
from app.services.volunteering.hours import HoursError
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, now
from app.web.admin.pages import NotFound, flash, redirect, render
from app.web.admin.volunteering.activities import activity_in_scope
from app.web.admin.volunteering.teams import STATUS_TONES

router = APIRouter(prefix="/volunteering/activities")


@router.get("/{activity_id:int}", response_class=HTMLResponse)
async def activity_page(
    request: Request, activity_id: int, session: Session, me: ConsoleUser
) -> HTMLResponse:
    """The activity, its sign-ups in order, the check-in code, the hours (after the end)."""
    activity = await activity_in_scope(session, me, activity_id)
    moment = now(request)
    rows = await signups.of_activity(session, activity_id=activity_id)
    people = {
        p.id: p
        for p in (
            await session.exec(
                select(Person).where(col(Person.id).in_([r.person_id for r in rows]))
            )
        ).all()
    }
    position = 0
    listed = []
    for row in rows:
        waiting = row.status == SignupStatus.WAITING.value
        position += 1 if waiting else 0
        listed.append(
            {
                "signup": row,
                "person": people.get(row.person_id),
                "position": position if waiting else None,
                "proposed": hours.shown(hours.proposed(activity, row)),
                "approved": hours.shown(row.half_hours) if row.approved_at else None,
            }
        )
    context = {
        "nav": "volunteering",
        "activity": activity,
        "team": await activity_service.team_of(session, activity),
        "status": activity_service.status_label(activity.status),
        "tones": STATUS_TONES,
        "when": activity_service.when(activity),
        "length": hours.shown(activity_service.length_half_hours(activity)),
        "rows": listed,
        "waiting": sum(1 for r in rows if r.status == SignupStatus.WAITING.value),
        "ended": moment >= activity.ends_at and activity.status != ActivityStatus.CANCELLED.value,
        "qr_usable": checkin.qr_usable(activity, moment),
        "qr_possible": activity.status == ActivityStatus.OPEN.value and moment < activity.ends_at,
    }
    return render(request, "admin/volunteering/activity.html", context)


@router.post("/{activity_id:int}/hours/{signup_id:int}")
async def approve_hours(
    request: Request, activity_id: int, signup_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """审批时长: the proposal, or another figure with its reason; once per participant."""
    activity = await activity_in_scope(session, me, activity_id)
    signup = await session.get(VolunteerSignup, signup_id) if signup_id else None
    if signup is None or signup.activity_id != activity_id:
        raise NotFound("没有找到这条报名记录。")
    form = await request.form()
    back = f"/admin/volunteering/activities/{activity_id}#hours"
    try:
        half_hours = hours.parse(str(form.get("hours") or ""))
        await hours.approve(
            session,
            activity=activity,
            signup=signup,
            half_hours=half_hours,
            reason=str(form.get("reason") or ""),
            actor=actor(request, me),
            now=now(request),
        )
    except HoursError as exc:
        flash(request, str(exc), "danger")
        return redirect(back)
    person = await session.get(Person, signup.person_id)
    name = person.name if person else ""
    flash(request, f"已审批{name}的服务时长：{hours.shown(half_hours)} 小时。")
    return redirect(back)
