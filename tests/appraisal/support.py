"""Shared steps of the appraisal tests: a round of a few members, their links, their ballots."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlmodel import select

from app.models import AppraisalRating, AppraisalRound, PoliticalStage
from app.services import audit
from app.services.appraisal import rounds
from app.services.appraisal.rounds import Windows
from app.services.member_links import MemberLinks
from tests.support.app import AppClient
from tests.support.chat import Member, add_party_members, branch_id, china
from tests.support.console import csrf_of

NOW = china(2026, 12, 7, 10)
ACTOR = audit.Actor(id=None, name="书记")


def windows(now: datetime) -> Windows:
    """Self-assessment from now for two days; voting from tomorrow for two days."""
    return Windows(
        self_opens_at=now - timedelta(hours=1),
        self_closes_at=now + timedelta(days=2),
        vote_opens_at=now + timedelta(days=1),
        vote_closes_at=now + timedelta(days=3),
    )


async def open_round(
    client: AppClient, *, full: int = 3, probationary: int = 0
) -> tuple[int, list[Member], list[Member]]:
    """An open round of the branch: (round id, full members, 预备党员)."""
    members = await add_party_members(client, full, prefix="f")
    newcomers = await add_party_members(
        client, probationary, prefix="y", stage=PoliticalStage.PROBATIONARY
    )
    unit = await branch_id(client)
    async with client.sessions() as session:
        appraisal = await rounds.create(
            session, year=2026, unit_id=unit, windows=windows(NOW), actor=ACTOR, now=NOW
        )
        await rounds.open_round(
            session, appraisal=appraisal, settings=client.settings, actor=ACTOR, now=NOW
        )
        await session.commit()
        assert appraisal.id is not None
        return appraisal.id, members, newcomers


def link(client: AppClient, round_id: int, person_id: int) -> str:
    """The member's signed page link."""
    links = MemberLinks(client.settings.secret_key.get_secret_value())
    return links.path(
        page=rounds.PAGE, subject_id=round_id, person_id=person_id, now=client.state.clock()
    )


def token_of(page: httpx.Response) -> str:
    """The signed link a page's forms carry."""
    return page.text.split('name="t" value="', 1)[1].split('"', 1)[0]


async def cast(
    client: AppClient,
    round_id: int,
    voter: Member,
    ratings: dict[int, str],
) -> httpx.Response:
    """Open the page with the voter's link and post these ratings as the ballot."""
    page = await client.get(link(client, round_id, voter.person_id))
    fields = {"csrf_token": csrf_of(page.text), "t": token_of(page)}
    fields |= {f"r{person}": str(rating) for person, rating in ratings.items()}
    return await client.post(f"/m/appraisal/{round_id}/vote", data=fields)


def everyone_but(voter: Member, people: list[Member], rating: AppraisalRating) -> dict[int, str]:
    """The same rating for every other person."""
    return {m.person_id: rating.value for m in people if m.person_id != voter.person_id}


async def the_round(client: AppClient, round_id: int) -> AppraisalRound:
    """The round as stored."""
    async with client.sessions() as session:
        found = (
            await session.exec(select(AppraisalRound).where(AppraisalRound.id == round_id))
        ).one()
        return found
