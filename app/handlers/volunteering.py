"""志愿服务 in the chat: the open activities with one-tap links, 「报名 12」/「取消报名 12」,
and the check-in QR code (scene "volunteer:12")."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply, members_only
from app.models import ActivityStatus, Person, SignupStatus, VolunteerActivity
from app.models.types import china_moment
from app.services.member_links import MemberLinks
from app.services.volunteering import activities, checkin, signups
from app.services.volunteering.checkin import CheckIn
from app.services.volunteering.signups import Outcome

router = MessageRouter()

PAGE = "volunteering"
SHOWN = 5  # a text reply is short: the soonest five at most, the rest on the next look
REPLY_BYTES = 1900  # under WeChat's 2,048, with room for the 另有 line
TO_SIGN_UP = "报名志愿服务"
NOTHING_OPEN = "目前没有报名中的志愿服务活动。活动发布后会通知志愿服务队成员。"
HOW = "回复「报名 编号」报名，「取消报名 编号」取消，例如「报名 {id}」。"


def _link(ctx: HandlerContext, activity: VolunteerActivity, person: Person) -> str:
    """The activity's page for this person (a signed link: the chat knows who is asking)."""
    assert activity.id is not None and person.id is not None
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    path = links.path(page=PAGE, subject_id=activity.id, person_id=person.id, now=ctx.now)
    return ctx.settings.public_base_url.rstrip("/") + path


async def standing_text(ctx: HandlerContext, activity: VolunteerActivity, person: Person) -> str:
    """ "您：已报名" / "您：候补第 2 位" / "您：未报名"."""
    assert activity.id is not None and person.id is not None
    mine = await signups.standing(ctx.session, activity_id=activity.id, person_id=person.id)
    if mine is None:
        return "您：未报名"
    if mine.checked_in_at is not None:
        return "您：已签到"
    if mine.status == SignupStatus.WAITING.value:
        return f"您：候补第 {await signups.position(ctx.session, signup=mine)} 位"
    return "您：已报名"


async def _entry(ctx: HandlerContext, activity: VolunteerActivity, person: Person) -> str:
    """One activity in the chat's list, with the member's own link."""
    assert activity.id is not None
    left = max(0, activity.capacity - activity.taken)
    waiting = await signups.waiting_count(ctx.session, activity_id=activity.id)
    places = f"剩余名额 {left} 个" if left else f"名额已满，候补 {waiting} 人"
    closed = signups.refusal(activity, ctx.now) is not None
    lines = [
        f"【{activity.id}】{activity.title}",
        f"时间：{activities.when(activity)}",
        f"地点：{activity.place or '待定'}",
        places + ("（报名已截止）" if closed else ""),
        await standing_text(ctx, activity, person),
        f"报名或取消：{_link(ctx, activity, person)}",
    ]
    return "\n".join(lines)


@router.click("VOLUNTEER", requires_member=TO_SIGN_UP)
async def on_volunteer_button(ctx: HandlerContext) -> Reply:
    """The 志愿服务 button (or its name typed): the open activities and the member's standing."""
    found = await activities.open_now(ctx.session, now=ctx.now)
    if not found:
        return NOTHING_OPEN
    head, tail = "志愿服务活动（报名中）：", HOW.format(id=found[0].id)
    entries: list[str] = []
    for activity in found[:SHOWN]:
        entry = await _entry(ctx, activity, ctx.member)
        text = "\n\n".join([head, *entries, entry, tail])
        # WeChat cuts a text reply at 2,048 bytes: the rest waits for the next look.
        if entries and len(text.encode()) > REPLY_BYTES:
            break
        entries.append(entry)
    more = len(found) - len(entries)
    if more:
        tail = f"另有 {more} 项较晚的活动，近期的活动结束后在这里显示。\n" + tail
    return "\n\n".join([head, *entries, tail])


async def _named(ctx: HandlerContext, what: str) -> VolunteerActivity | str:
    """The activity the keyword's number names, or what to say instead."""
    number = ctx.keyword_args.strip()
    if not number:
        return f"请在「{what}」后加上活动编号，例如「{what} 12」。回复「志愿服务」查看编号。"
    activity_id = checkin.activity_id_of(number)
    activity = await activities.get(ctx.session, activity_id=activity_id or 0)
    if activity is None or activity.status == ActivityStatus.DRAFT.value:
        return f"没有编号为 {number} 的志愿服务活动。回复「志愿服务」查看报名中的活动。"
    return activity


def sign_up_reply(activity: VolunteerActivity, result: signups.Result) -> str:
    """What a sign-up came to, in words (the chat and the page say the same)."""
    name = f"「{activity.title}」"
    match result.outcome:
        case Outcome.SIGNED:
            place = activity.place or "待定"
            return f"报名成功！{name}\n时间：{activities.when(activity)}\n地点：{place}"
        case Outcome.WAITING:
            return (
                f"{name}名额已满，您已进入候补名单：候补第 {result.position} 位。"
                "有人取消时会自动递补并通知您。"
            )
        case Outcome.ALREADY:
            if result.position is not None:
                return f"您已在{name}的候补名单中（第 {result.position} 位），无需重复报名。"
            return f"您已报名{name}，无需重复报名。"
        case Outcome.CLOSED:
            return f"{name}的报名已于 {china_moment(activity.signup_deadline)} 截止，不能再报名。"
        case _:
            return f"{name}现在不接受报名（{activities.status_label(activity.status)}）。"


def cancel_reply(activity: VolunteerActivity, result: signups.Result) -> str:
    """What a cancellation came to, in words."""
    name = f"「{activity.title}」"
    match result.outcome:
        case Outcome.CANCELLED:
            return f"已取消{name}的报名。"
        case Outcome.STARTED:
            return f"{name}已经开始，不能再取消报名。如有特殊情况请联系组织者。"
        case _:
            return f"您没有报名{name}，无需取消。"


@router.text("报名", help="报名志愿服务活动，如「报名 12」", requires_member=TO_SIGN_UP)
async def on_sign_up(ctx: HandlerContext) -> Reply:
    """「报名 12」: sign up for activity 12 (or join its waiting list)."""
    found = await _named(ctx, "报名")
    if isinstance(found, str):
        return found
    person = ctx.member
    assert person.id is not None
    result = await signups.sign_up(ctx.session, activity=found, person_id=person.id, now=ctx.now)
    return sign_up_reply(found, result)


@router.text("取消报名", help="取消志愿服务报名，如「取消报名 12」", requires_member="取消报名")
async def on_cancel(ctx: HandlerContext) -> Reply:
    """「取消报名 12」: withdraw; the first waiting moves up and is told."""
    found = await _named(ctx, "取消报名")
    if isinstance(found, str):
        return found
    person = ctx.member
    assert person.id is not None
    result = await signups.cancel_and_tell(
        ctx.session, activity=found, person_id=person.id, settings=ctx.settings, now=ctx.now
    )
    return cancel_reply(found, result)


@members_only("志愿服务签到")
async def _check_in(ctx: HandlerContext, activity: VolunteerActivity) -> Reply:
    """Check the scanning member in, and say how it went."""
    person = ctx.member
    assert person.id is not None
    result = await checkin.check_in(
        ctx.session, activity=activity, person_id=person.id, now=ctx.now
    )
    name = f"「{activity.title}」"
    at = china_moment(result.at) if result.at else ""
    match result.outcome:
        case CheckIn.DONE:
            return f"签到成功！{name}\n签到时间：{at}\n活动结束后，组织者审批服务时长。"
        case CheckIn.WALK_IN:
            return f"签到成功（现场参加）！{name}\n签到时间：{at}\n活动结束后，组织者审批服务时长。"
        case CheckIn.ALREADY:
            return f"您已于 {at} 签到{name}，无需重复签到。"
        case CheckIn.NOT_OPEN:
            return f"{name}的签到在活动开始前 1 小时开放，现在还不能签到。"
        case CheckIn.CLOSED:
            return f"{name}已经结束，签到已关闭。如确有参加，请联系组织者登记。"
        case CheckIn.OFF:
            return f"{name}已取消或未发布，无需签到。"


@router.scene(checkin.SCENE_PREFIX)
async def on_volunteer_code(ctx: HandlerContext, rest: str) -> Reply:
    """A scanned activity code ("volunteer:12") checks the member in to that activity."""
    activity_id = checkin.activity_id_of(rest)
    activity = await activities.get(ctx.session, activity_id=activity_id or 0)
    if activity is None:
        return "这个签到二维码已失效，请向活动组织者索取新的二维码。"
    return await _check_in(ctx, activity)
