"""Volunteer activities: the form, 发布 (with one notice to the team), 取消, 结束, the open list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import ActivityStatus, Broadcast, VolunteerActivity, VolunteerTeam
from app.models.types import CHINA, china_moment, label_of
from app.services import audit
from app.services.broadcasts import notices
from app.services.volunteering import teams

SUBJECT = "volunteer_activity"
MAX_CAPACITY = 1000
MAX_LENGTH = timedelta(hours=24)


class ActivityError(ValueError):
    """The activity cannot be saved or changed so; the message says why, in Chinese."""


@dataclass(frozen=True)
class ActivityDraft:
    """What the console form gives: the activity's own fields."""

    team_id: int
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signup_deadline: datetime | None = None  # None: sign-up closes at the start


def status_label(status: str) -> str:
    """An activity status in Chinese."""
    return label_of(ActivityStatus, status)


def when(activity: VolunteerActivity) -> str:
    """ "12月12日 09:00–11:30" (China time) as members read it."""
    return f"{china_moment(activity.starts_at)}–{activity.ends_at.astimezone(CHINA):%H:%M}"


def length_half_hours(activity: VolunteerActivity) -> int:
    """The activity's length in half hours, rounded down."""
    return int((activity.ends_at - activity.starts_at) / timedelta(minutes=30))


def _check(draft: ActivityDraft) -> None:
    """Refuse an activity no one could hold (ActivityError with the reason)."""
    if not draft.title.strip() or len(draft.title.strip()) > 100:
        raise ActivityError("请填写活动名称（不超过 100 字）。")
    if len(draft.place) > 100:
        raise ActivityError("地点不超过 100 字。")
    if not 1 <= draft.capacity <= MAX_CAPACITY:
        raise ActivityError(f"名额应在 1 到 {MAX_CAPACITY} 之间。")
    if draft.ends_at <= draft.starts_at:
        raise ActivityError("结束时间应晚于开始时间。")
    if draft.ends_at - draft.starts_at > MAX_LENGTH:
        raise ActivityError("一次活动不超过 24 小时，多日活动请分开登记。")
    if draft.signup_deadline is not None and draft.signup_deadline > draft.starts_at:
        raise ActivityError("报名截止时间不能晚于活动开始时间。")


async def get(session: AsyncSession, *, activity_id: int) -> VolunteerActivity | None:
    """One activity."""
    return await session.get(VolunteerActivity, activity_id) if activity_id else None


async def team_of(session: AsyncSession, activity: VolunteerActivity) -> VolunteerTeam:
    """The activity's team."""
    team = await teams.get(session, team_id=activity.team_id)
    assert team is not None  # RESTRICT: a team with activities is never deleted
    return team


async def save(
    session: AsyncSession,
    *,
    activity: VolunteerActivity | None,
    draft: ActivityDraft,
    actor: audit.Actor,
    now: datetime,
) -> VolunteerActivity:
    """Create a draft activity or change one not yet over (the caller moves the waiting up
    when there are more places: signups.fill_places)."""
    _check(draft)
    if activity is not None and activity.status in (
        ActivityStatus.FINISHED.value,
        ActivityStatus.CANCELLED.value,
    ):
        raise ActivityError("已结束或已取消的活动不能再修改。")
    if activity is not None and draft.capacity < activity.taken:
        raise ActivityError(f"已有 {activity.taken} 人报名，名额不能少于 {activity.taken}。")
    before = audit.snapshot(activity)
    creating = activity is None
    if activity is None:
        activity = VolunteerActivity(
            team_id=draft.team_id,
            title="",
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            signup_deadline=draft.starts_at,
            capacity=draft.capacity,
            created_by=actor.name,
            created_at=now,
        )
    activity.team_id = draft.team_id
    activity.title = draft.title.strip()
    activity.description = draft.description.strip()
    activity.place = draft.place.strip()
    activity.starts_at, activity.ends_at = draft.starts_at, draft.ends_at
    activity.signup_deadline = draft.signup_deadline or draft.starts_at
    activity.capacity = draft.capacity
    session.add(activity)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="volunteer.activity_create" if creating else "volunteer.activity_update",
        target_type=SUBJECT,
        target_id=activity.id,
        summary=activity.title,
        before=before,
        after=audit.snapshot(activity),
    )
    return activity


async def _move(
    session: AsyncSession, activity: VolunteerActivity, *, to: ActivityStatus, **values: Any
) -> bool:
    """A conditional status change: two admins tapping at once change it once."""
    allowed = {
        ActivityStatus.OPEN: [ActivityStatus.DRAFT.value],
        ActivityStatus.CANCELLED: [ActivityStatus.DRAFT.value, ActivityStatus.OPEN.value],
        ActivityStatus.FINISHED: [ActivityStatus.OPEN.value],
    }[to]
    result = await session.exec(
        update(VolunteerActivity)
        .where(col(VolunteerActivity.id) == activity.id, col(VolunteerActivity.status).in_(allowed))
        .values(status=to.value, **values)
    )
    await session.refresh(activity)
    return bool(result.rowcount)


def _published_message(activity: VolunteerActivity, settings: Settings) -> dict[str, Any]:
    """The notice the team's members get when the activity opens."""
    place = activity.place or "待定"
    return notices.message(
        f"志愿服务报名：{activity.title}",
        f"【志愿服务】「{activity.title}」开始报名。\n时间：{when(activity)}\n地点：{place}\n"
        f"名额：{activity.capacity} 人，报名截止 {china_moment(activity.signup_deadline)}。\n"
        "点击菜单「志愿服务」或回复「志愿服务」即可报名。",
        thing=place,
        when=activity.starts_at,
        url=f"{settings.public_base_url.rstrip('/')}/m/volunteering/{activity.id}",
        # Each member's link opens the page as themselves (one tap to sign up or cancel).
        track_opens=True,
    )


async def publish(
    session: AsyncSession,
    *,
    activity: VolunteerActivity,
    notify: bool,
    settings: Settings,
    actor: audit.Actor,
    now: datetime,
) -> Broadcast | None:
    """草稿 → 报名中; with `notify`, one notice to the team's members (quiet hours respected)."""
    if now >= activity.signup_deadline:
        raise ActivityError("报名截止时间已过，请先修改活动时间再发布。")
    if not await _move(session, activity, to=ActivityStatus.OPEN, published_at=now):
        raise ActivityError("这项活动已经发布过，或已取消。")
    await audit.record(
        session,
        actor=actor,
        action="volunteer.activity_publish",
        target_type=SUBJECT,
        target_id=activity.id,
        summary=activity.title,
    )
    people = await teams.member_ids(session, team_id=activity.team_id)
    if not notify or not people:
        return None
    assert activity.id is not None
    return await notices.notify(
        session,
        key=f"volunteering.published:{activity.id}",
        kind="volunteer_published",
        subject=(SUBJECT, activity.id),
        message=_published_message(activity, settings),
        people=people,
        settings=settings,
        now=now,
        created_by=actor.name,
    )


async def cancel(
    session: AsyncSession, *, activity: VolunteerActivity, actor: audit.Actor, now: datetime
) -> None:
    """Call the activity off (before it ends); a notice not yet sent is stopped."""
    if now >= activity.ends_at:
        raise ActivityError("活动已经结束，不能再取消。")
    if not await _move(session, activity, to=ActivityStatus.CANCELLED):
        raise ActivityError("这项活动已经结束或已取消。")
    assert activity.id is not None
    await notices.stop_queued(session, subject=(SUBJECT, activity.id), now=now, by=actor.name)
    await audit.record(
        session,
        actor=actor,
        action="volunteer.activity_cancel",
        target_type=SUBJECT,
        target_id=activity.id,
        summary=activity.title,
    )


async def finish_ended(session: AsyncSession, *, now: datetime) -> list[VolunteerActivity]:
    """报名中 → 已结束 for the activities whose end has passed (the job's work)."""
    ended = (
        await session.exec(
            select(VolunteerActivity).where(
                VolunteerActivity.status == ActivityStatus.OPEN.value,
                col(VolunteerActivity.ends_at) <= now,
            )
        )
    ).all()
    return [a for a in ended if await _move(session, a, to=ActivityStatus.FINISHED)]


async def open_now(session: AsyncSession, *, now: datetime) -> list[VolunteerActivity]:
    """The published activities not yet over, soonest first (what the chat lists)."""
    statement = (
        select(VolunteerActivity)
        .where(
            VolunteerActivity.status == ActivityStatus.OPEN.value,
            col(VolunteerActivity.ends_at) > now,
        )
        .order_by(col(VolunteerActivity.starts_at), col(VolunteerActivity.id))
    )
    return list((await session.exec(statement)).all())


async def in_scope(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, year: int | None = None
) -> list[VolunteerActivity]:
    """The activities of the teams of these units (None: all), newest first."""
    statement = (
        select(VolunteerActivity)
        .join(VolunteerTeam, col(VolunteerTeam.id) == col(VolunteerActivity.team_id))
        .order_by(col(VolunteerActivity.starts_at).desc(), col(VolunteerActivity.id).desc())
    )
    if unit_ids is not None:
        statement = statement.where(col(VolunteerTeam.org_unit_id).in_(list(unit_ids)))
    found = list((await session.exec(statement)).all())
    if year is not None:
        found = [a for a in found if a.starts_at.astimezone(CHINA).year == year]
    return found
