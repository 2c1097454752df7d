"""Anonymity in fact: the ballot and tally tables hold nothing that names or orders a voter."""

from __future__ import annotations

import asyncio

from sqlalchemy import Integer

from app.models import (
    AppraisalBallot,
    AppraisalRating,
    AppraisalTally,
    AppraisalVoter,
    metadata,
)
from tests.appraisal.support import NOW, cast, everyone_but, open_round
from tests.support.app import AppClient
from tests.support.plugin import Clock, count_rows

FORBIDDEN = ("voter", "person", "by", "at", "time", "created", "updated", "seq")


def test_ballots_and_tallies_have_no_voter_time_or_sequential_id() -> None:
    for name in ("appraisal_ballot", "appraisal_tally"):
        table = metadata.tables[name]
        for column in table.columns:
            words = column.name.split("_")
            assert not any(w in FORBIDDEN for w in words), f"{name}.{column.name}"
            assert column.name != "id", f"{name} has a sequential id"
            assert column.server_default is None, f"{name}.{column.name}"
            if column.primary_key and isinstance(column.type, Integer):
                # Part of a composite natural key, never a counter.
                assert column.autoincrement is False, f"{name}.{column.name}"
            assert not column.foreign_keys or all(
                fk.column.table.name in ("appraisal_round", "person") for fk in column.foreign_keys
            )
    ballot_key = metadata.tables["appraisal_ballot"].primary_key.columns
    assert [c.name for c in ballot_key] == ["key"]
    # Who voted is kept apart, and says nothing about how.
    assert {c.name for c in metadata.tables["appraisal_voter"].columns} == {
        "id",
        "round_id",
        "person_id",
    }


async def test_two_ballots_at_once_from_one_member_count_once(
    subscription: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    round_id, members, _ = await open_round(subscription, full=4)
    clock.advance(86400 + 60)
    voter = members[0]
    ratings = everyone_but(voter, members, AppraisalRating.QUALIFIED)
    outcomes = await asyncio.gather(
        cast(subscription, round_id, voter, ratings), cast(subscription, round_id, voter, ratings)
    )
    assert sorted(r.status_code for r in outcomes) == [303, 409]
    refused = next(r for r in outcomes if r.status_code == 409)
    assert "不能重复投票" in refused.text
    assert await count_rows(subscription, AppraisalVoter) == 1
    assert await count_rows(subscription, AppraisalBallot) == 3
    assert await count_rows(subscription, AppraisalTally) == 0
