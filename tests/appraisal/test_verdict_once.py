"""Two secretaries recording a person's verdict at the same moment: the first stands."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.services import audit
from app.services.appraisal import rounds, verdicts, voting
from app.services.appraisal.verdicts import VerdictRefused
from tests.appraisal.support import NOW, open_round
from tests.support.app import AppClient
from tests.support.plugin import Clock


async def test_two_verdicts_at_once_record_one(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    round_id, [member, *_], _ = await open_round(client, full=2)
    async with client.sessions() as session:
        appraisal = await rounds.get(session, round_id=round_id)
        assert appraisal is not None
        assert await voting.close(session, appraisal=appraisal, now=NOW + timedelta(days=3))
        await session.commit()

    async def attempt(name: str, verdict: str) -> str:
        async with client.sessions() as session:
            appraisal = await rounds.get(session, round_id=round_id)
            place = await rounds.participant(session, round_id=round_id, person_id=member.person_id)
            assert appraisal is not None and place is not None
            try:
                await verdicts.record(
                    session,
                    appraisal=appraisal,
                    participant=place,
                    verdict=verdict,
                    note="",
                    actor=audit.Actor(id=None, name=name),
                    now=NOW,
                )
            except VerdictRefused as refusal:
                return str(refusal)
            await session.commit()
            return "recorded"

    outcomes = await asyncio.gather(attempt("甲", "excellent"), attempt("乙", "qualified"))
    assert outcomes.count("recorded") == 1
    refusal = next(o for o in outcomes if o != "recorded")
    assert "不能重复评定" in refusal
    async with client.sessions() as session:
        place = await rounds.participant(session, round_id=round_id, person_id=member.person_id)
        assert place is not None
        winner = "甲" if place.verdict == "excellent" else "乙"
        assert place.verdict_by == winner and place.verdict_at is not None
