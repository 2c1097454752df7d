"""Check-in by scanning the activity's QR code: signed-up members, and walk-ins on the day.

A walk-in (no place, or still waiting) is recorded as having come: volunteers who turn up are
welcome and their hours count, but they take no place from the sign-up list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ActivityStatus, SignupStatus, VolunteerActivity, VolunteerSignup
from app.services.meetings.qr import QrClient
from app.services.volunteering.signups import standing
from app.wechat.client import QR_TEMPORARY_MAX_SECONDS

SCENE_PREFIX = "volunteer:"
OPENS_BEFORE = timedelta(hours=1)  # check-in opens an hour before the start
# The code outlives check-in a little: a late scan hears our reply, not WeChat's "已过期".
GRACE = timedelta(hours=1)


class CheckIn(StrEnum):
    """What a scan came to."""

    DONE = "done"
    WALK_IN = "walk_in"  # recorded, without a place
    ALREADY = "already"
    NOT_OPEN = "not_open"  # too early
    CLOSED = "closed"  # the activity is over
    OFF = "off"  # cancelled or never published


@dataclass(frozen=True)
class CheckInResult:
    """The outcome and the check-in time."""

    outcome: CheckIn
    at: datetime | None = None


class QrUnavailable(Exception):
    """No code can be made now; the message says why, in Chinese."""


def scene_of(activity: VolunteerActivity) -> str:
    """ "volunteer:12"."""
    return f"{SCENE_PREFIX}{activity.id}"


def activity_id_of(rest: str) -> int | None:
    """The activity a scanned scene's rest names ("12"), None for anything else."""
    ok = rest.isascii() and rest.isdigit() and len(rest) < 10
    return int(rest) if ok else None


def closes_at(activity: VolunteerActivity) -> datetime:
    """When check-in closes: the end of the activity."""
    return activity.ends_at


def qr_usable(activity: VolunteerActivity, now: datetime) -> bool:
    """Whether the stored code can be scanned now."""
    expires = activity.qr_expires_at
    return bool(activity.qr_url) and expires is not None and expires > now


async def ensure_qr(
    session: AsyncSession, *, client: QrClient, activity: VolunteerActivity, now: datetime
) -> bool:
    """Keep a code that lasts until check-in closes, else ask WeChat for one; True if new."""
    expires = activity.qr_expires_at
    if activity.qr_url and expires is not None and expires >= closes_at(activity):
        return False
    if activity.status != ActivityStatus.OPEN.value:
        raise QrUnavailable("只有报名中（已发布）的活动才能生成签到二维码。")
    if now >= closes_at(activity):
        raise QrUnavailable("活动已经结束，不能再生成签到二维码。")
    wanted = min(timedelta(seconds=QR_TEMPORARY_MAX_SECONDS), closes_at(activity) + GRACE - now)
    code = await client.create_qrcode(
        scene_of(activity), expire_seconds=max(1, math.ceil(wanted.total_seconds()))
    )
    activity.qr_ticket, activity.qr_url = code.ticket, code.url
    activity.qr_expires_at = now + timedelta(seconds=code.expire_seconds)
    session.add(activity)
    await session.flush()
    return True


async def check_in(
    session: AsyncSession, *, activity: VolunteerActivity, person_id: int, now: datetime
) -> CheckInResult:
    """Record the scan's time once: a place-holder, or a walk-in (a waiting one too)."""
    assert activity.id is not None
    signup = await standing(session, activity_id=activity.id, person_id=person_id)
    if signup is not None and signup.checked_in_at is not None:
        return CheckInResult(CheckIn.ALREADY, signup.checked_in_at)
    if activity.status not in (ActivityStatus.OPEN.value, ActivityStatus.FINISHED.value):
        return CheckInResult(CheckIn.OFF)
    if now < activity.starts_at - OPENS_BEFORE:
        return CheckInResult(CheckIn.NOT_OPEN)
    if now >= closes_at(activity):
        return CheckInResult(CheckIn.CLOSED)
    if signup is None:
        fresh = VolunteerSignup(
            activity_id=activity.id,
            person_id=person_id,
            status=SignupStatus.SIGNED.value,
            walk_in=True,
            signed_up_at=now,
            checked_in_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(fresh)
                await session.flush()
        except IntegrityError:  # a double scan delivered twice at once
            again = await standing(session, activity_id=activity.id, person_id=person_id)
            return CheckInResult(CheckIn.ALREADY, again.checked_in_at if again else None)
        return CheckInResult(CheckIn.WALK_IN, now)
    walk_in = signup.status == SignupStatus.WAITING.value
    # Conditional: WeChat's retry of the same scan, or a second scan, records one time.
    result = await session.exec(
        update(VolunteerSignup)
        .where(col(VolunteerSignup.id) == signup.id, col(VolunteerSignup.checked_in_at).is_(None))
        .values(
            checked_in_at=now,
            status=SignupStatus.SIGNED.value,
            walk_in=signup.walk_in or walk_in,
        )
    )
    await session.refresh(signup)
    if not result.rowcount:
        return CheckInResult(CheckIn.ALREADY, signup.checked_in_at)
    return CheckInResult(CheckIn.WALK_IN if walk_in else CheckIn.DONE, now)
