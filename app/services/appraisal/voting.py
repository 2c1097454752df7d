"""Self-assessment, the anonymous ballot, and closing a round into tallies."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AppraisalBallot,
    AppraisalParticipant,
    AppraisalRating,
    AppraisalRound,
    AppraisalStatus,
    AppraisalTally,
    AppraisalVoter,
)
from app.services.appraisal import rounds

MAX_SELF_TEXT = 3000


class Vote(StrEnum):
    """What became of a ballot."""

    COUNTED = "counted"
    ALREADY = "already"  # this person has voted (a second or concurrent attempt)
    CLOSED = "closed"  # the round is not open for voting (before, after, closed)
    NOT_VOTER = "not_voter"  # not a participant, or a 预备党员
    INVALID = "invalid"  # oneself, someone not in the round, someone missing, a bad rating


class SelfRefused(ValueError):
    """A self-assessment cannot be saved (the message is for the member)."""


def self_window_open(appraisal: AppraisalRound, now: datetime) -> bool:
    """Whether self-assessments may be written or edited now."""
    return (
        appraisal.status == AppraisalStatus.OPEN.value
        and appraisal.self_opens_at <= now < appraisal.self_closes_at
    )


def vote_window_open(appraisal: AppraisalRound, now: datetime) -> bool:
    """Whether ballots are accepted now."""
    return (
        appraisal.status == AppraisalStatus.OPEN.value
        and appraisal.vote_opens_at <= now < appraisal.vote_closes_at
    )


async def save_self(
    session: AsyncSession,
    *,
    appraisal: AppraisalRound,
    participant: AppraisalParticipant,
    text: str,
    now: datetime,
) -> None:
    """Write or rewrite the self-assessment while its window is open."""
    written = text.strip()
    if not self_window_open(appraisal, now):
        raise SelfRefused("个人自评不在填写时间内，本次没有保存。")
    if not written:
        raise SelfRefused("请填写个人自评。")
    if len(written) > MAX_SELF_TEXT:
        raise SelfRefused(f"个人自评最多 {MAX_SELF_TEXT} 字。")
    participant.self_text = written
    participant.self_at = now
    session.add(participant)
    await session.flush()


async def candidates(
    session: AsyncSession, *, round_id: int, voter_id: int
) -> list[AppraisalParticipant]:
    """Everyone the voter rates: every other participant."""
    return [
        p for p in await rounds.participants(session, round_id=round_id) if p.person_id != voter_id
    ]


async def vote(
    session: AsyncSession,
    *,
    appraisal: AppraisalRound,
    person_id: int,
    ratings: Mapping[int, str],
    now: datetime,
) -> Vote:
    """Record a whole ballot once: the voter row and the ratings in one transaction.

    The round's row is locked first (a no-op UPDATE while open), so voting and closing take
    turns: no ballot is written after the count, and none after the round closed.
    """
    assert appraisal.id is not None
    if not vote_window_open(appraisal, now):
        return Vote.CLOSED
    place = await rounds.participant(session, round_id=appraisal.id, person_id=person_id)
    if place is None or not place.votes:
        return Vote.NOT_VOTER
    others = {
        p.person_id for p in await candidates(session, round_id=appraisal.id, voter_id=person_id)
    }
    valid = {r.value for r in AppraisalRating}
    if set(ratings) != others or not all(v in valid for v in ratings.values()):
        return Vote.INVALID
    locked = await session.exec(
        update(AppraisalRound)
        .where(
            col(AppraisalRound.id) == appraisal.id,
            col(AppraisalRound.status) == AppraisalStatus.OPEN.value,
        )
        .values(status=AppraisalStatus.OPEN.value)
    )
    if not locked.rowcount:  # closed meanwhile: perhaps by this very person's other attempt
        already = await rounds.voted(session, round_id=appraisal.id, person_id=person_id)
        return Vote.ALREADY if already else Vote.CLOSED
    try:
        async with session.begin_nested():
            session.add(AppraisalVoter(round_id=appraisal.id, person_id=person_id))
            await session.flush()
    except IntegrityError:
        return Vote.ALREADY
    # Sorted by candidate, not in the order submitted; random keys carry no order either.
    session.add_all(
        AppraisalBallot(
            key=uuid.uuid4().hex, round_id=appraisal.id, candidate_id=candidate, rating=rating
        )
        for candidate, rating in sorted(ratings.items())
    )
    await session.flush()
    voters = sum(1 for p in await rounds.participants(session, round_id=appraisal.id) if p.votes)
    if await rounds.voter_count(session, round_id=appraisal.id) >= voters:
        await close(session, appraisal=appraisal, now=now)
    return Vote.COUNTED


async def close(session: AsyncSession, *, appraisal: AppraisalRound, now: datetime) -> bool:
    """Close an open round once: count the ballots into tallies, delete the ballots."""
    assert appraisal.id is not None
    closed = await session.exec(
        update(AppraisalRound)
        .where(
            col(AppraisalRound.id) == appraisal.id,
            col(AppraisalRound.status) == AppraisalStatus.OPEN.value,
        )
        .values(status=AppraisalStatus.CLOSED.value, closed_at=now)
    )
    if not closed.rowcount:
        return False
    counted = (
        select(AppraisalBallot.candidate_id, AppraisalBallot.rating, func.count())
        .where(AppraisalBallot.round_id == appraisal.id)
        .group_by(col(AppraisalBallot.candidate_id), col(AppraisalBallot.rating))
    )
    session.add_all(
        AppraisalTally(round_id=appraisal.id, candidate_id=candidate, rating=rating, count=n)
        for candidate, rating, n in (await session.exec(counted)).all()
    )
    await session.flush()
    await session.exec(delete(AppraisalBallot).where(col(AppraisalBallot.round_id) == appraisal.id))
    await session.refresh(appraisal)
    return True


async def close_due(session: AsyncSession, *, now: datetime) -> list[AppraisalRound]:
    """Close every open round whose voting deadline has passed (each once)."""
    statement = select(AppraisalRound).where(
        AppraisalRound.status == AppraisalStatus.OPEN.value,
        col(AppraisalRound.vote_closes_at) <= now,
    )
    return [
        appraisal
        for appraisal in (await session.exec(statement)).all()
        if await close(session, appraisal=appraisal, now=now)
    ]


async def tallies(session: AsyncSession, *, round_id: int) -> dict[int, dict[str, int]]:
    """Per candidate, the count of each rating (empty before the round closed)."""
    statement = select(AppraisalTally).where(AppraisalTally.round_id == round_id)
    found: dict[int, dict[str, int]] = {}
    for tally in (await session.exec(statement)).all():
        found.setdefault(tally.candidate_id, {})[tally.rating] = tally.count
    return found
