"""The member's activity page /m/volunteering/<id>: sign up or cancel with one tap, see the
waiting position, the check-in and the approved hours.

Who is acting comes from WeChat OAuth where the account has it, otherwise from the signed
per-person link the chat's list carries (`?t=`); OAuth wins, so a forwarded link acts for
nobody but its reader.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import ActivityStatus, SignupStatus, VolunteerActivity
from app.models.types import china_moment
from app.services.member_links import LinkProblem
from app.services.volunteering import activities, signups
from app.services.volunteering.hours import shown
from app.services.volunteering.signups import Outcome
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
PAGE = "volunteering"
NOT_FOUND = "没有找到这项志愿服务活动，请回到公众号点击菜单「志愿服务」重新打开。"
# What the page says after a tap (the outcome travels in the redirect, never the identity).
NOTICES = {
    Outcome.SIGNED: ("ok", "报名成功！"),
    Outcome.WAITING: ("warn", "名额已满，您已进入候补。有人取消时会自动递补并通知您。"),
    Outcome.ALREADY: ("warn", "您已经报名，无需重复报名。"),
    Outcome.CLOSED: ("off", "报名已截止，本次报名没有记录。"),
    Outcome.NOT_OPEN: ("off", "这项活动现在不接受报名。"),
    Outcome.CANCELLED: ("ok", "已取消报名。"),
    Outcome.NOT_SIGNED: ("off", "您没有报名这项活动，无需取消。"),
    Outcome.STARTED: ("off", "活动已经开始，不能再取消报名。"),
}


def _message(request: Request, status: int, title: str, text: str) -> Response:
    """A member message page."""
    return page(request, "message.html", status, title=title, text=text)


async def _activity(session: AsyncSession, activity_id: int) -> VolunteerActivity | None:
    """A published (or finished, cancelled) activity; drafts are not shown."""
    activity = await activities.get(session, activity_id=activity_id)
    if activity is None or activity.status == ActivityStatus.DRAFT.value:
        return None
    return activity


async def _reader(
    request: Request, session: AsyncSession, activity_id: int, token: str
) -> Reader | Response:
    """The member (OAuth first, then the link); a bad link gets its own page."""
    reader = await reader_of(request, session, page_name=PAGE, subject_id=activity_id, token=token)
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号重新打开。")
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期。请回到公众号点击菜单「志愿服务」重新打开。"
        )
    assert isinstance(reader, Reader)
    return reader


def _back(activity_id: int, reader: Reader, outcome: Outcome) -> str:
    """The page again, with the link (if it named the member) and what the tap did."""
    link = f"t={quote(reader.token, safe='')}&" if reader.token else ""
    return f"/m/volunteering/{activity_id}?{link}n={outcome.value}"


async def _context(
    request: Request, session: AsyncSession, activity: VolunteerActivity, reader: Reader
) -> dict[str, Any]:
    """What the page shows: the activity, its places, and the reader's standing."""
    assert activity.id is not None
    now = request.app.state.clock()
    team = await activities.team_of(session, activity)
    context: dict[str, Any] = {
        "activity": activity,
        "team": team,
        "when": activities.when(activity),
        "deadline": china_moment(activity.signup_deadline),
        "left": max(0, activity.capacity - activity.taken),
        "waiting": await signups.waiting_count(session, activity_id=activity.id),
        "status": activities.status_label(activity.status),
        "reader": reader,
        "mine": None,
        "position": None,
        "checked_in": None,
        "hours": None,
        "can_sign_up": signups.refusal(activity, now) is None,
        "can_cancel": now < activity.starts_at,
    }
    person = reader.person
    if person is not None and person.id is not None:
        mine = await signups.standing(session, activity_id=activity.id, person_id=person.id)
        context["mine"] = mine
        if mine is not None:
            context["position"] = await signups.position(session, signup=mine)
            if mine.checked_in_at is not None:
                context["checked_in"] = china_moment(mine.checked_in_at)
            if mine.approved_at is not None:
                context["hours"] = shown(mine.half_hours or 0)
            context["signed"] = mine.status == SignupStatus.SIGNED.value
    return context


@router.get("/volunteering/{activity_id:int}")
async def activity_page(
    activity_id: int, request: Request, session: Session, t: str = "", n: str = ""
) -> Response:
    """The activity, and what this member can do about it."""
    activity = await _activity(session, activity_id)
    if activity is None:
        return _message(request, 404, "活动不存在", NOT_FOUND)
    if (sign_in := oauth_first(request, f"/m/volunteering/{activity_id}", token=t)) is not None:
        return sign_in
    reader = await _reader(request, session, activity_id, t)
    if isinstance(reader, Response):
        return reader
    context = await _context(request, session, activity, reader)
    notice = NOTICES.get(Outcome(n)) if n in {o.value for o in Outcome} else None
    return page(request, "volunteering/activity.html", notice=notice, **context)


async def _act(
    request: Request, session: AsyncSession, activity_id: int, token: str, *, cancel: bool
) -> Response:
    """A tap on 报名 or 取消报名: CSRF, the reader, the service, back to the page."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新点击。")
    activity = await _activity(session, activity_id)
    if activity is None:
        return _message(request, 404, "活动不存在", NOT_FOUND)
    reader = await _reader(request, session, activity_id, token)
    if isinstance(reader, Response):
        return reader
    person = reader.person
    if person is None or person.id is None:
        return _message(
            request,
            403,
            "无法确认您的身份",
            "绑定身份后才能报名。请在公众号点击菜单「志愿服务」，通过回复中的链接打开本页。",
        )
    now = request.app.state.clock()
    if cancel:
        result = await signups.cancel_and_tell(
            session,
            activity=activity,
            person_id=person.id,
            settings=request.app.state.settings,
            now=now,
        )
    else:
        result = await signups.sign_up(session, activity=activity, person_id=person.id, now=now)
    if result.promoted:
        request.app.state.broadcasts.kick()
    return RedirectResponse(_back(activity_id, reader, result.outcome), 303)


@router.post("/volunteering/{activity_id:int}/signup")
async def sign_up(
    activity_id: int, request: Request, session: Session, t: Annotated[str, Form()] = ""
) -> Response:
    """报名: a place if one is left, else the waiting list."""
    return await _act(request, session, activity_id, t, cancel=False)


@router.post("/volunteering/{activity_id:int}/cancel")
async def cancel(
    activity_id: int, request: Request, session: Session, t: Annotated[str, Form()] = ""
) -> Response:
    """取消报名: before the start; the first waiting moves up and is told."""
    return await _act(request, session, activity_id, t, cancel=True)
