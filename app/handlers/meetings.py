"""签到, 请假 and 补学 in the chat: one tap (or one scan), and a reply that names the meeting."""

from __future__ import annotations

from datetime import datetime

from app.handlers.registry import HandlerContext, MessageRouter, Reply, members_only
from app.models import Meeting, Person
from app.models.types import CHINA
from app.services import prompts
from app.services.meetings import attendance, qr
from app.services.meetings import leave as leave_service
from app.services.meetings import makeup as makeup_service
from app.services.meetings import meetings as meeting_service
from app.services.meetings.attendance import CheckIn
from app.services.meetings.leave import Leave
from app.services.meetings.makeup import Makeup

router = MessageRouter()

LEAVE = "leave"
MAKEUP = "makeup"


def _clock(moment: datetime, now: datetime) -> str:
    """ "14:27" today, "12月5日 14:30" another day (China time)."""
    local, today = moment.astimezone(CHINA), now.astimezone(CHINA).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _place(meeting: Meeting) -> str:
    return f"\n地点：{meeting.place}" if meeting.place else ""


# --- 签到 ----------------------------------------------------------------------------------


@members_only("签到")
async def _check_in(ctx: HandlerContext, *, via: str, meeting: Meeting | None = None) -> Reply:
    result = await attendance.check_in(
        ctx.session, person=ctx.member, now=ctx.now, via=via, meeting=meeting
    )
    found = result.meeting
    if found is None:
        return "现在没有需要签到的会议。"
    name = meeting_service.name_of(found)
    match result.outcome:
        case CheckIn.DONE:
            assert result.at is not None
            done = f"签到成功！\n{name}{_place(found)}\n签到时间：{_clock(result.at, ctx.now)}"
            if result.withdrawn is not None:
                # Checking in supersedes the leave: it is withdrawn, and there is no 补学 to do.
                done += "\n您此前提交的请假已自动撤回，无需补学。"
            return done
        case CheckIn.ALREADY:
            assert result.at is not None
            return f"您已于 {_clock(result.at, ctx.now)} 签到「{name}」，无需重复签到。"
        case CheckIn.NOT_OPEN:
            opens = _clock(found.checkin_opens_at, ctx.now)
            return f"「{name}」的签到从 {opens} 开始，现在还不能签到。"
        case CheckIn.CLOSED:
            closed = _clock(found.checkin_closes_at, ctx.now)
            return f"「{name}」的签到已于 {closed} 结束。如未参加，请点击菜单「补学」完成补学。"
        case CheckIn.NOT_INVITED:
            return f"您不在「{name}」的参会范围内，无需签到。如有疑问请联系支部书记。"
        case CheckIn.CANCELLED:
            return f"「{name}」已取消，无需签到。"
        case CheckIn.NO_MEETING:
            return f"现在没有需要签到的会议。\n您的下一次会议：{name}{_place(found)}"


@router.click("STUDY_CHECKIN")
async def on_checkin_button(ctx: HandlerContext) -> Reply:
    """The 学习日签到 button: check in to the meeting open now."""
    return await _check_in(ctx, via="menu")


@router.text("签到", help="会议签到（签到时间内）")
async def on_checkin_keyword(ctx: HandlerContext) -> Reply:
    """The keyword 签到."""
    return await _check_in(ctx, via="keyword")


@router.scene(qr.SCENE_PREFIX)
async def on_meeting_code(ctx: HandlerContext, rest: str) -> Reply:
    """A scanned meeting QR code ("meeting:12") checks in to that meeting."""
    meeting_id = qr.meeting_id_of(qr.SCENE_PREFIX + rest)
    meeting = await meeting_service.get(ctx.session, meeting_id=meeting_id) if meeting_id else None
    if meeting is None:
        return "这个签到二维码已失效，请向会议组织者索取新的二维码。"
    return await _check_in(ctx, via="qr", meeting=meeting)


# --- 请假 ----------------------------------------------------------------------------------


def _leave_reply(result: leave_service.LeaveResult, ctx: HandlerContext) -> str:
    found = result.meeting
    name = meeting_service.name_of(found) if found else ""
    match result.outcome:
        case Leave.REQUESTED:
            assert result.request is not None
            return (
                f"已提交请假：{name}\n原因：{result.request.reason}\n"
                "支部书记审批后会通知您。会后请点击菜单「补学」完成补学。"
            )
        case Leave.UPDATED:
            assert result.request is not None
            return f"已更新请假原因：{result.request.reason}\n仍在等待支部书记审批。"
        case Leave.ALREADY_APPROVED:
            return f"您「{name}」的请假已获批准，无需再次提交。"
        case Leave.CHECKED_IN:
            return f"您已签到「{name}」，不需要请假。"
        case Leave.ENDED:
            return f"「{name}」已经结束。如未参加，请点击菜单「补学」完成补学。"
        case Leave.NO_MEETING:
            return "近期没有需要请假的会议。"


async def _ask_leave(ctx: HandlerContext, person: Person) -> Reply:
    meeting = await leave_service.leave_target(ctx.session, person=person, now=ctx.now)
    if meeting is None:
        return "近期没有需要请假的会议。"
    # Told at the first tap, before typing a reason that would be refused.
    refused = await leave_service.leave_refused(
        ctx.session, person=person, meeting=meeting, now=ctx.now
    )
    if refused is not None:
        return _leave_reply(refused, ctx)
    await prompts.ask(
        ctx.session, openid=ctx.openid, purpose=LEAVE, subject_id=meeting.id, now=ctx.now
    )
    return (
        f"您正在为「{meeting_service.name_of(meeting)}」请假。\n"
        "请直接回复请假原因（例如：出差在外），10 分钟内有效。"
    )


async def _request_leave(
    ctx: HandlerContext, person: Person, meeting: Meeting | None, reason: str
) -> Reply:
    if not reason.strip():
        return await _ask_leave(ctx, person)
    result = await leave_service.request_leave(
        ctx.session, person=person, meeting=meeting, reason=reason, now=ctx.now
    )
    return _leave_reply(result, ctx)


@router.click("STUDY_LEAVE", requires_member="请假")
async def on_leave_button(ctx: HandlerContext) -> Reply:
    """The 请假 button: name the meeting and ask for the reason."""
    person = ctx.member
    return await _ask_leave(ctx, person)


@router.text("请假", help="会议请假，如「请假 出差在外」", requires_member="请假")
async def on_leave_keyword(ctx: HandlerContext) -> Reply:
    """The keyword 请假, with the reason after it (or alone: then we ask for it)."""
    person = ctx.member
    meeting = await leave_service.leave_target(ctx.session, person=person, now=ctx.now)
    return await _request_leave(ctx, person, meeting, ctx.keyword_args)


@router.answer(LEAVE, requires_member="请假")
async def on_leave_reason(ctx: HandlerContext, meeting_id: int | None) -> Reply:
    """The text after 请假 was tapped is the reason."""
    person = ctx.member
    meeting = await meeting_service.get(ctx.session, meeting_id=meeting_id or 0)
    return await _request_leave(ctx, person, meeting, str(ctx.fields.get("Content") or ""))


# --- 补学 ----------------------------------------------------------------------------------


def _materials(meeting: Meeting) -> str:
    # An untitled item is its link alone: the heading already says 学习材料.
    links = [
        f"{item['title']}：{item['url']}" if item.get("title") else str(item["url"])
        for item in meeting.materials
        if item.get("url")
    ]
    return ("\n学习材料：\n" + "\n".join(links)) if links else ""


async def _ask_makeup(ctx: HandlerContext, person: Person) -> Reply:
    meeting = await makeup_service.makeup_target(ctx.session, person=person, now=ctx.now)
    if meeting is None:
        return "您近期没有需要补学的会议。"
    await prompts.ask(
        ctx.session, openid=ctx.openid, purpose=MAKEUP, subject_id=meeting.id, now=ctx.now
    )
    return (
        f"补学「{meeting_service.name_of(meeting)}」：{meeting_service.makeup_task(meeting)}"
        f"{_materials(meeting)}\n请直接回复您的学习心得或学习链接，10 分钟内有效。"
    )


async def _submit_makeup(
    ctx: HandlerContext, person: Person, meeting: Meeting | None, content: str
) -> Reply:
    if not content.strip():
        return await _ask_makeup(ctx, person)
    result = await makeup_service.submit_makeup(
        ctx.session, person=person, meeting=meeting, content=content, now=ctx.now
    )
    match result.outcome:
        case Makeup.DONE:
            assert result.meeting is not None
            return f"已记录您对「{meeting_service.name_of(result.meeting)}」的补学，谢谢！"
        case Makeup.TOO_SHORT:
            return await _ask_makeup(ctx, person)
        case Makeup.NOTHING_TO_MAKE_UP:
            return "您近期没有需要补学的会议。"


@router.click("STUDY_MAKEUP", requires_member="补学")
async def on_makeup_button(ctx: HandlerContext) -> Reply:
    """The 补学 button: name the missed meeting and its task, then take the next text."""
    person = ctx.member
    return await _ask_makeup(ctx, person)


@router.text("补学", help="补学未参加的会议，如「补学 学习心得……」", requires_member="补学")
async def on_makeup_keyword(ctx: HandlerContext) -> Reply:
    """The keyword 补学, with the text after it."""
    person = ctx.member
    meeting = await makeup_service.makeup_target(ctx.session, person=person, now=ctx.now)
    return await _submit_makeup(ctx, person, meeting, ctx.keyword_args)


@router.answer(MAKEUP, requires_member="补学")
async def on_makeup_text(ctx: HandlerContext, meeting_id: int | None) -> Reply:
    """The text after 补学 was tapped is the make-up."""
    person = ctx.member
    meeting = await meeting_service.get(ctx.session, meeting_id=meeting_id or 0)
    return await _submit_makeup(ctx, person, meeting, str(ctx.fields.get("Content") or ""))
