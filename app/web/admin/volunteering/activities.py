"""Volunteer activities in the console: the form, 发布, 取消, the check-in code for projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.api.deps import Session
from app.models import VolunteerActivity
from app.models.types import CHINA
from app.services import audit
from app.services.accounts.admins import Principal
from app.services.meetings.qr import qr_svg
from app.services.volunteering import activities as activity_service
from app.services.volunteering import checkin, signups
from app.services.volunteering import teams as team_service
from app.services.volunteering.activities import ActivityDraft, ActivityError
from app.services.volunteering.checkin import QrUnavailable
from app.web.admin.deps import ConsoleUser, ConsoleWriter, actor, kick_senders, now
from app.web.admin.forms import Part, china_datetime, choice, parse_int, text_fields
from app.web.admin.pages import SECURITY_HEADERS, NotFound, flash, redirect, render
from app.wechat.errors import WeChatError

router = APIRouter(prefix="/volunteering/activities")
log = structlog.get_logger("app.web.admin.volunteering")

FIELDS = (
    "team_id", "title", "description", "place", "start_date", "start_time", "end_time",
    "capacity", "deadline_date", "deadline_time",
)  # fmt: skip
SVG_HEADERS = {
    "Cache-Control": "private, no-cache",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
}


async def activity_in_scope(
    session: AsyncSession, me: Principal, activity_id: int
) -> VolunteerActivity:
    """The activity if its team is the user's; the same 404 for missing and out of scope."""
    activity = await activity_service.get(session, activity_id=activity_id)
    team = await team_service.get(session, team_id=activity.team_id) if activity else None
    if activity is None or team is None or not me.sees_unit(team.org_unit_id):
        raise NotFound("没有找到这项志愿服务活动，或者它不在您负责的组织范围内。")
    return activity


def _shown_of(activity: VolunteerActivity) -> dict[str, Any]:
    """The form's values for a stored activity (China time)."""
    start = activity.starts_at.astimezone(CHINA)
    deadline = activity.signup_deadline.astimezone(CHINA)
    return {
        "team_id": str(activity.team_id),
        "title": activity.title,
        "description": activity.description,
        "place": activity.place,
        "start_date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{activity.ends_at.astimezone(CHINA):%H:%M}",
        "capacity": str(activity.capacity),
        "deadline_date": deadline.date().isoformat(),
        "deadline_time": f"{deadline:%H:%M}",
    }


def _check(
    shown: dict[str, Any], teams: list[tuple[int, str]]
) -> tuple[ActivityDraft | None, dict[str, str]]:
    """The draft the form describes, or the errors by field."""
    errors: dict[str, str] = {}
    team_id = choice(shown["team_id"], teams)
    if team_id is None:
        errors["team_id"] = "请选择志愿服务队。"
    capacity = parse_int(shown["capacity"])
    if capacity is None or capacity < 1:
        errors["capacity"] = "请填写名额（正整数）。"
    starts = china_datetime(
        shown, errors,
        day=Part("start_date", "请填写活动日期。", "日期格式不对。"),
        at=Part("start_time", "请填写开始时间。", "时间格式不对。"),
    )  # fmt: skip
    ends = china_datetime(
        shown, errors,
        day=Part("start_date", "请填写活动日期。", "日期格式不对。"),
        at=Part("end_time", "请填写结束时间。", "时间格式不对。"),
    )  # fmt: skip
    deadline: datetime | None = None
    if shown["deadline_date"] or shown["deadline_time"]:
        deadline = china_datetime(
            shown, errors,
            day=Part("deadline_date", "请填写截止日期。", "日期格式不对。"),
            at=Part("deadline_time", "请填写截止时间。", "时间格式不对。"),
        )  # fmt: skip
    if errors or team_id is None or capacity is None or starts is None or ends is None:
        return None, errors
    draft = ActivityDraft(
        team_id=team_id,
        title=shown["title"],
        description=shown["description"],
        place=shown["place"],
        starts_at=starts,
        ends_at=ends,
        capacity=capacity,
        signup_deadline=deadline,
    )
    return draft, errors


async def _teams(session: AsyncSession, me: Principal) -> list[tuple[int, str]]:
    """The teams the user may hold activities for, as options."""
    return [
        (t.id, t.name)
        for t in await team_service.in_scope(session, unit_ids=me.unit_ids)
        if t.id is not None
    ]


async def _form_page(
    request: Request,
    session: AsyncSession,
    me: Principal,
    *,
    activity: VolunteerActivity | None,
    shown: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The activity form, with the teams the user may choose from."""
    context = {
        "nav": "volunteering",
        "activity": activity,
        "form": shown,
        "errors": errors or {},
        "teams": await _teams(session, me),
    }
    return render(request, "admin/volunteering/activity_form.html", context, status_code)


@router.get("/new", response_class=HTMLResponse)
async def new_activity(request: Request, session: Session, me: ConsoleWriter) -> HTMLResponse:
    """The empty form (sign-up closes at the start unless a deadline is given)."""
    teams = await _teams(session, me)
    shown = dict.fromkeys(FIELDS, "") | {
        "team_id": str(teams[0][0]) if teams else "",
        "start_time": "09:00",
        "end_time": "11:30",
        "capacity": "10",
    }
    return await _form_page(request, session, me, activity=None, shown=shown)


async def _save(
    request: Request, session: AsyncSession, me: Principal, activity: VolunteerActivity | None
) -> Response:
    """Check the posted form and store the activity; the form again with its errors."""
    shown: dict[str, Any] = text_fields(await request.form(), *FIELDS)
    draft, errors = _check(shown, await _teams(session, me))
    if draft is not None:
        try:
            saved = await activity_service.save(
                session, activity=activity, draft=draft, actor=actor(request, me), now=now(request)
            )
        except ActivityError as exc:
            errors = {"__all__": str(exc)}
        else:
            # More places: the first waiting move up at once, and hear it once each.
            moved = await signups.fill_places(session, activity=saved, now=now(request))
            for signup in moved:
                await signups.tell_promoted(
                    session,
                    activity=saved,
                    signup=signup,
                    settings=request.app.state.settings,
                    now=now(request),
                    by=me.username,
                )
            more = f"，候补的 {len(moved)} 人已递补" if moved else ""
            flash(request, f"已保存活动「{saved.title}」{more}。")
            response = redirect(f"/admin/volunteering/activities/{saved.id}")
            if moved:
                response.background = BackgroundTask(kick_senders, request)
            return response
    return await _form_page(
        request, session, me, activity=activity, shown=shown, errors=errors, status_code=400
    )


@router.post("/new", response_class=HTMLResponse)
async def create_activity(request: Request, session: Session, me: ConsoleWriter) -> Response:
    """Store a draft activity."""
    return await _save(request, session, me, None)


@router.get("/{activity_id:int}/edit", response_class=HTMLResponse)
async def edit_activity(
    request: Request, activity_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """The form with the activity's values."""
    activity = await activity_in_scope(session, me, activity_id)
    return await _form_page(request, session, me, activity=activity, shown=_shown_of(activity))


@router.post("/{activity_id:int}/edit", response_class=HTMLResponse)
async def update_activity(
    request: Request, activity_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """Save the changes (more places move the waiting up)."""
    activity = await activity_in_scope(session, me, activity_id)
    return await _save(request, session, me, activity)


@router.post("/{activity_id:int}/publish")
async def publish(
    request: Request, activity_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """发布: members can sign up; with 通知队员 checked, one notice to the team."""
    activity = await activity_in_scope(session, me, activity_id)
    notify = (await request.form()).get("notify") == "1"
    try:
        sent = await activity_service.publish(
            session,
            activity=activity,
            notify=notify,
            settings=request.app.state.settings,
            actor=actor(request, me),
            now=now(request),
        )
    except ActivityError as exc:
        flash(request, str(exc), "warning")
        return redirect(f"/admin/volunteering/activities/{activity_id}")
    told = f"，已通知 {sent.total} 名队员（免打扰时段后发送）" if sent else ""
    flash(request, f"已发布「{activity.title}」{told}。")
    response = redirect(f"/admin/volunteering/activities/{activity_id}")
    response.background = BackgroundTask(kick_senders, request)
    return response


@router.post("/{activity_id:int}/cancel")
async def cancel(
    request: Request, activity_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """取消活动."""
    activity = await activity_in_scope(session, me, activity_id)
    try:
        await activity_service.cancel(
            session, activity=activity, actor=actor(request, me), now=now(request)
        )
    except ActivityError as exc:
        flash(request, str(exc), "warning")
    else:
        flash(request, f"已取消「{activity.title}」。")
    return redirect(f"/admin/volunteering/activities/{activity_id}")


@router.post("/{activity_id:int}/qr")
async def generate_qr(
    request: Request, activity_id: int, session: Session, me: ConsoleWriter
) -> Response:
    """生成签到二维码 (kept while it lasts until the end of the activity)."""
    activity = await activity_in_scope(session, me, activity_id)
    back = f"/admin/volunteering/activities/{activity_id}#qr"
    try:
        made = await checkin.ensure_qr(
            session, client=request.app.state.wechat, activity=activity, now=now(request)
        )
    except QrUnavailable as exc:
        flash(request, str(exc), "warning")
        return redirect(back)
    except WeChatError as exc:
        log.warning("volunteer_qr_failed", activity=activity_id, errcode=exc.errcode)
        flash(request, "没有生成签到二维码：微信暂时没有响应，请稍后再试。", "danger")
        return redirect(back)
    if made:
        await audit.record(
            session,
            actor=actor(request, me),
            action="volunteer.qr",
            target_type=activity_service.SUBJECT,
            target_id=activity.id,
            summary=activity.title,
        )
    flash(request, "已生成签到二维码，可投影或打印。" if made else "签到二维码仍然有效。")
    return redirect(back)


@router.get("/{activity_id:int}/qr.svg")
async def qr_image(
    request: Request, activity_id: int, session: Session, me: ConsoleUser
) -> Response:
    """The code as an SVG image (404 when there is none or it expired)."""
    activity = await activity_in_scope(session, me, activity_id)
    if not checkin.qr_usable(activity, now(request)) or activity.qr_url is None:
        raise NotFound("这项活动还没有可用的签到二维码。请在活动页面生成。")
    return Response(qr_svg(activity.qr_url), media_type="image/svg+xml", headers=SVG_HEADERS)
