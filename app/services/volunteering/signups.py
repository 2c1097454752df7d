"""Sign-up, waiting list and cancellation: one place per conditional UPDATE, moved up in order.

The activity's `taken` counter is the one thing two sign-ups race for: `taken = taken + 1 …
WHERE taken < capacity` lets exactly one of them have the last place (PostgreSQL re-checks the
condition after the other's commit; SQLite runs one writer at a time). One standing row per
person is a partial unique index, hit inside a savepoint: a double tap records one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    ActivityStatus,
    Broadcast,
    SignupStatus,
    VolunteerActivity,
    VolunteerSignup,
)
from app.services.broadcasts import notices
from app.services.volunteering.activities import SUBJECT, when

STANDING = (SignupStatus.SIGNED.value, SignupStatus.WAITING.value)


class Outcome(StrEnum):
    """What a sign-up or a cancellation came to."""

    SIGNED = "signed"  # has a place
    WAITING = "waiting"  # on the waiting list
    ALREADY = "already"  # had signed up before: nothing new recorded
    CLOSED = "closed"  # the deadline or the start has passed
    NOT_OPEN = "not_open"  # a draft, cancelled or finished activity
    CANCELLED = "cancelled"  # the cancellation was recorded
    NOT_SIGNED = "not_signed"  # nothing to cancel
    STARTED = "started"  # too late to cancel


@dataclass(frozen=True)
class Result:
    """The outcome, the member's row when there is one, and their waiting position."""

    outcome: Outcome
    signup: VolunteerSignup | None = None
    position: int | None = None  # 1 = next to move up
    promoted: tuple[VolunteerSignup, ...] = ()  # moved up by this cancellation


async def standing(
    session: AsyncSession, *, activity_id: int, person_id: int
) -> VolunteerSignup | None:
    """The person's standing sign-up (已报名 or 候补), if any."""
    statement = select(VolunteerSignup).where(
        VolunteerSignup.activity_id == activity_id,
        VolunteerSignup.person_id == person_id,
        col(VolunteerSignup.status).in_(STANDING),
    )
    return (await session.exec(statement)).first()


async def position(session: AsyncSession, *, signup: VolunteerSignup) -> int | None:
    """Where a waiting sign-up stands in the queue (1 = next), None when it is not waiting."""
    if signup.status != SignupStatus.WAITING.value:
        return None
    ahead = select(func.count()).where(
        VolunteerSignup.activity_id == signup.activity_id,
        VolunteerSignup.status == SignupStatus.WAITING.value,
        col(VolunteerSignup.id) < signup.id,
    )
    return int((await session.exec(ahead)).one()) + 1


async def waiting_count(session: AsyncSession, *, activity_id: int) -> int:
    """How many are on the waiting list."""
    statement = select(func.count()).where(
        VolunteerSignup.activity_id == activity_id,
        VolunteerSignup.status == SignupStatus.WAITING.value,
    )
    return int((await session.exec(statement)).one())


async def of_activity(session: AsyncSession, *, activity_id: int) -> list[VolunteerSignup]:
    """Every standing sign-up: places first, then the waiting list in order."""
    statement = (
        select(VolunteerSignup)
        .where(
            VolunteerSignup.activity_id == activity_id,
            col(VolunteerSignup.status).in_(STANDING),
        )
        .order_by(col(VolunteerSignup.status), col(VolunteerSignup.id))  # signed < waiting
    )
    return list((await session.exec(statement)).all())


def refusal(activity: VolunteerActivity, now: datetime) -> Outcome | None:
    """Why nobody may sign up now, or None."""
    if activity.status != ActivityStatus.OPEN.value:
        return Outcome.NOT_OPEN
    if now >= activity.signup_deadline or now >= activity.starts_at:
        return Outcome.CLOSED
    return None


async def _take_place(session: AsyncSession, activity_id: int) -> bool:
    """Take one place if one is left (True), in one conditional UPDATE."""
    result = await session.exec(
        update(VolunteerActivity)
        .where(
            col(VolunteerActivity.id) == activity_id,
            col(VolunteerActivity.taken) < col(VolunteerActivity.capacity),
        )
        .values(taken=col(VolunteerActivity.taken) + 1)
    )
    return bool(result.rowcount)


async def _release_place(session: AsyncSession, activity_id: int) -> None:
    """Give one place back."""
    await session.exec(
        update(VolunteerActivity)
        .where(col(VolunteerActivity.id) == activity_id, col(VolunteerActivity.taken) > 0)
        .values(taken=col(VolunteerActivity.taken) - 1)
    )


async def sign_up(
    session: AsyncSession, *, activity: VolunteerActivity, person_id: int, now: datetime
) -> Result:
    """A place if one is left, else the waiting list; told, not doubled, when already in."""
    assert activity.id is not None
    existing = await standing(session, activity_id=activity.id, person_id=person_id)
    if existing is not None:
        return Result(Outcome.ALREADY, existing, await position(session, signup=existing))
    refused = refusal(activity, now)
    if refused is not None:
        return Result(refused)
    signup = VolunteerSignup(
        activity_id=activity.id,
        person_id=person_id,
        status=SignupStatus.WAITING.value,
        signed_up_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(signup)
            await session.flush()
    except IntegrityError:
        # The same member's second tap, committed between our look and our insert.
        again = await standing(session, activity_id=activity.id, person_id=person_id)
        return Result(
            Outcome.ALREADY, again, await position(session, signup=again) if again else None
        )
    if await _take_place(session, activity.id):
        signup.status = SignupStatus.SIGNED.value
        session.add(signup)
        await session.flush()
        await session.refresh(activity)
        return Result(Outcome.SIGNED, signup)
    await session.refresh(activity)
    return Result(Outcome.WAITING, signup, await position(session, signup=signup))


async def fill_places(
    session: AsyncSession, *, activity: VolunteerActivity, now: datetime
) -> list[VolunteerSignup]:
    """Move the first waiting up while places are free (after a cancellation, more places)."""
    assert activity.id is not None
    promoted: list[VolunteerSignup] = []
    while True:
        first = (
            await session.exec(
                select(VolunteerSignup)
                .where(
                    VolunteerSignup.activity_id == activity.id,
                    VolunteerSignup.status == SignupStatus.WAITING.value,
                )
                .order_by(col(VolunteerSignup.id))
                .limit(1)
            )
        ).first()
        if first is None or not await _take_place(session, activity.id):
            break
        moved = await session.exec(
            update(VolunteerSignup)
            .where(
                col(VolunteerSignup.id) == first.id,
                col(VolunteerSignup.status) == SignupStatus.WAITING.value,
            )
            .values(status=SignupStatus.SIGNED.value, promoted_at=now)
        )
        if not moved.rowcount:  # they cancelled meanwhile: give the place back, try the next
            await _release_place(session, activity.id)
            continue
        await session.refresh(first)
        promoted.append(first)
    await session.refresh(activity)
    return promoted


async def cancel(
    session: AsyncSession, *, activity: VolunteerActivity, person_id: int, now: datetime
) -> Result:
    """Withdraw before the start; a freed place goes to the first waiting at once."""
    assert activity.id is not None
    signup = await standing(session, activity_id=activity.id, person_id=person_id)
    if signup is None:
        return Result(Outcome.NOT_SIGNED)
    if now >= activity.starts_at:
        return Result(Outcome.STARTED, signup)
    for status in STANDING:
        result = await session.exec(
            update(VolunteerSignup)
            .where(col(VolunteerSignup.id) == signup.id, col(VolunteerSignup.status) == status)
            .values(status=SignupStatus.CANCELLED.value, cancelled_at=now)
        )
        if result.rowcount:
            break
    else:
        return Result(Outcome.NOT_SIGNED)
    await session.refresh(signup)
    promoted: list[VolunteerSignup] = []
    if status == SignupStatus.SIGNED.value:
        await _release_place(session, activity.id)
        # A called-off activity moves nobody up: there is nothing to be told about.
        if activity.status == ActivityStatus.OPEN.value:
            promoted = await fill_places(session, activity=activity, now=now)
    await session.refresh(activity)
    return Result(Outcome.CANCELLED, signup, promoted=tuple(promoted))


async def tell_promoted(
    session: AsyncSession,
    *,
    activity: VolunteerActivity,
    signup: VolunteerSignup,
    settings: Settings,
    now: datetime,
    by: str,
) -> Broadcast | None:
    """The member moved up hears it once (keyed by the sign-up: a retry sends nothing more)."""
    assert signup.id is not None and activity.id is not None
    place = activity.place or "待定"
    message = notices.message(
        f"候补成功：{activity.title}",
        f"【志愿服务】有人取消了报名，您已从候补转为「已报名」：{activity.title}\n"
        f"时间：{when(activity)}\n地点：{place}\n如不能参加，请在活动开始前取消报名。",
        thing=place,
        when=activity.starts_at,
        url=f"{settings.public_base_url.rstrip('/')}/m/volunteering/{activity.id}",
        # Each member's link opens the page as themselves (one tap to cancel).
        track_opens=True,
    )
    return await notices.notify(
        session,
        key=f"volunteering.promoted:{signup.id}",
        kind="volunteer_promoted",
        subject=(SUBJECT, activity.id),
        message=message,
        people=[signup.person_id],
        settings=settings,
        now=now,
        created_by=by,
    )


async def cancel_and_tell(
    session: AsyncSession,
    *,
    activity: VolunteerActivity,
    person_id: int,
    settings: Settings,
    now: datetime,
) -> Result:
    """Cancel, and tell whoever moved up (what the chat and the member page do)."""
    result = await cancel(session, activity=activity, person_id=person_id, now=now)
    for moved in result.promoted:
        await tell_promoted(
            session, activity=activity, signup=moved, settings=settings, now=now, by="member"
        )
    return result
