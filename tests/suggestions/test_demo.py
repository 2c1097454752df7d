"""The demo year reproduces the seed's figures: 50+ suggestions, 25 金点子 in a campaign, about
¥1,000,000 verified — spread over the statuses, each with a timeline — once, however often."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from app.dev.demo.people import seed_people
from app.dev.demo.suggestions import seed_suggestions
from app.models import Suggestion, SuggestionEvent, SuggestionStatus
from app.models.types import CHINA
from app.services.suggestions import figures, queue
from tests.support.app import AppClient


async def test_the_demo_year_gives_the_seed_figures(client: AppClient) -> None:
    now = datetime.now(UTC)
    async with client.sessions() as session:
        await seed_people(session)
        assert await seed_suggestions(session, now=now) > 50
        assert await seed_suggestions(session, now=now) == 0  # once, however often
        await session.commit()
    year = now.astimezone(CHINA).year
    everyone = queue.Visibility(None, None)
    async with client.sessions() as session:
        found = await figures.compute(
            session, start=date(year, 1, 1), end=date(year, 12, 31), seen=everyone
        )
        statuses = dict(
            (
                await session.exec(
                    select(Suggestion.status, func.count()).group_by(Suggestion.status)
                )
            ).all()
        )
        without_timeline = await session.exec(
            select(func.count()).where(
                Suggestion.id.not_in(select(SuggestionEvent.suggestion_id))  # type: ignore[union-attr]
            )
        )
        assert int(without_timeline.one()) == 0
    assert found.received >= 50 and found.golden == 25
    assert Decimal("950000") <= found.verified_benefit <= Decimal("1050000")
    assert statuses[SuggestionStatus.RECEIVED.value] == 2
    assert set(statuses) == {s.value for s in SuggestionStatus}
