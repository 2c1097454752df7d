"""Service hours: proposed from the check-in and the activity's length, approved once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ActivityStatus, SignupStatus, VolunteerActivity, VolunteerSignup
from app.services import audit
from app.services.volunteering.activities import SUBJECT, length_half_hours

MAX_HALF_HOURS = 48  # 24 hours: no single activity is longer


class HoursError(ValueError):
    """The hours cannot be approved as given; the message says why, in Chinese."""


@dataclass(frozen=True)
class Participant:
    """A sign-up as the organiser reviews it: the proposal, and the approval if any."""

    signup: VolunteerSignup
    proposed: int  # half hours


def shown(half_hours: int | None) -> str:
    """Half hours as members read them: 7 → "3.5", 6 → "3"."""
    if half_hours is None:
        return ""
    return f"{half_hours // 2}" if half_hours % 2 == 0 else f"{half_hours / 2:.1f}"


def proposed(activity: VolunteerActivity, signup: VolunteerSignup) -> int:
    """From the later of the check-in and the start to the end, rounded down to half an hour;
    0 without a check-in (the organiser may still record hours, with a reason)."""
    if signup.checked_in_at is None or signup.status != SignupStatus.SIGNED.value:
        return 0
    began = max(signup.checked_in_at, activity.starts_at)
    if began >= activity.ends_at:
        return 0
    return int((activity.ends_at - began) / timedelta(minutes=30))


def parse(text: str) -> int:
    """ "3.5" → 7 half hours; anything else (not a multiple of 0.5, negative) is refused."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise HoursError("请填写时长（小时），如 3 或 3.5。") from exc
    doubled = value * 2
    if not value.is_finite() or doubled != doubled.to_integral_value() or value < 0:
        raise HoursError("时长按 0.5 小时计，请填写如 3 或 3.5 的数字。")
    if doubled > MAX_HALF_HOURS:
        raise HoursError("一次活动的时长不超过 24 小时。")
    return int(doubled)


async def approve(
    session: AsyncSession,
    *,
    activity: VolunteerActivity,
    signup: VolunteerSignup,
    half_hours: int,
    reason: str,
    actor: audit.Actor,
    now: datetime,
) -> VolunteerSignup:
    """Approve one participant's hours, once; a change from the proposal needs a reason."""
    reason = reason.strip()[:200]
    if activity.status == ActivityStatus.CANCELLED.value or now < activity.ends_at:
        raise HoursError("活动结束后才能审批时长。")
    if signup.activity_id != activity.id or signup.status != SignupStatus.SIGNED.value:
        raise HoursError("只有已报名或现场参加的人员才能审批时长。")
    length = length_half_hours(activity)
    if half_hours > length and not reason:
        raise HoursError(
            f"{shown(half_hours)} 小时超过了活动时长（{shown(length)} 小时），请填写原因。"
        )
    if half_hours != proposed(activity, signup) and not reason:
        raise HoursError("与建议时长不同，请填写调整原因。")
    # Conditional: two organisers approving at once record one approval, the first one.
    result = await session.exec(
        update(VolunteerSignup)
        .where(col(VolunteerSignup.id) == signup.id, col(VolunteerSignup.approved_at).is_(None))
        .values(
            half_hours=half_hours,
            hours_reason=reason or None,
            approved_by=actor.name,
            approved_at=now,
        )
    )
    await session.refresh(signup)
    if not result.rowcount:
        raise HoursError(f"时长已由 {signup.approved_by} 审批，不能重复审批。")
    await audit.record(
        session,
        actor=actor,
        action="volunteer.hours_approve",
        target_type=SUBJECT,
        target_id=activity.id,
        summary=f"person {signup.person_id}：{shown(half_hours)} 小时"
        + (f"（{reason}）" if reason else ""),
    )
    return signup
