"""民主评议党员 over REST, read only: rounds, and per person tallies and verdicts once closed."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found
from app.models import AppraisalRating, AppraisalRound, AppraisalStatus, Person
from app.services.appraisal import rounds, voting

router = APIRouter(prefix="/appraisal", tags=["appraisal"])

FOUND = error_responses(404)


class RoundSummary(BaseModel):
    """A round: its year, unit, windows and where it stands."""

    id: int
    year: int
    unit_id: int
    status: AppraisalStatus
    status_label: str
    self_opens_at: datetime
    self_closes_at: datetime
    vote_opens_at: datetime
    vote_closes_at: datetime
    closed_at: datetime | None


class ParticipantPublic(BaseModel):
    """One participant: self-assessment handed in, tallies (null until closed), the verdict."""

    person_id: int
    person_name: str
    votes: bool
    self_assessment_submitted: bool
    tallies: dict[AppraisalRating, int] | None
    verdict: AppraisalRating | None
    verdict_note: str | None
    verdict_by: str | None
    verdict_at: datetime | None


class RoundDetail(RoundSummary):
    """A round with its participants."""

    voted: int
    participants: list[ParticipantPublic]


def _summary(appraisal: AppraisalRound) -> RoundSummary:
    """The round as REST shows it."""
    assert appraisal.id is not None
    status = AppraisalStatus(appraisal.status)
    return RoundSummary(
        id=appraisal.id,
        year=appraisal.year,
        unit_id=appraisal.unit_id,
        status=status,
        status_label=status.label,
        self_opens_at=appraisal.self_opens_at,
        self_closes_at=appraisal.self_closes_at,
        vote_opens_at=appraisal.vote_opens_at,
        vote_closes_at=appraisal.vote_closes_at,
        closed_at=appraisal.closed_at,
    )


@router.get("/rounds")
async def list_rounds(session: Session, principal: CurrentPrincipal) -> list[RoundSummary]:
    """The rounds of your units, newest first."""
    return [_summary(r) for r in await rounds.listed(session, unit_ids=principal.unit_ids)]


@router.get("/rounds/{round_id:int}", responses=FOUND)
async def get_round(round_id: IdPath, session: Session, principal: CurrentPrincipal) -> RoundDetail:
    """One round; each person's tallies only once the round has closed (null before)."""
    appraisal = await rounds.get(session, round_id=round_id)
    if appraisal is None or not principal.sees_unit(appraisal.unit_id):
        raise not_found("没有找到该民主评议")
    closed = appraisal.status == AppraisalStatus.CLOSED.value
    counts = await voting.tallies(session, round_id=round_id) if closed else {}
    people = []
    for place in await rounds.participants(session, round_id=round_id):
        person = await session.get(Person, place.person_id)
        mine = counts.get(place.person_id, {})
        people.append(
            ParticipantPublic(
                person_id=place.person_id,
                person_name=person.name if person else "",
                votes=place.votes,
                self_assessment_submitted=place.self_text is not None,
                tallies={r: mine.get(r.value, 0) for r in AppraisalRating} if closed else None,
                verdict=AppraisalRating(place.verdict) if place.verdict else None,
                verdict_note=place.verdict_note,
                verdict_by=place.verdict_by,
                verdict_at=place.verdict_at,
            )
        )
    return RoundDetail(
        **_summary(appraisal).model_dump(),
        voted=await rounds.voter_count(session, round_id=round_id),
        participants=people,
    )
