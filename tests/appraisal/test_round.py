"""A round from the console to the verdict: told once, self-assessment, ballots, verdicts."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import select

from app.models import (
    AdminRole,
    AppraisalBallot,
    AppraisalRating,
    AppraisalStatus,
    AppraisalTally,
    Broadcast,
    BroadcastRecipient,
    PoliticalStage,
)
from tests.appraisal.support import NOW, cast, everyone_but, link, the_round, token_of
from tests.support.app import AppClient
from tests.support.chat import add_party_members
from tests.support.console import (
    add_user,
    audit_entries,
    csrf_of,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows

FORM = {
    "year": "2026",
    "self_opens_at": "2026-12-07T09:00",
    "self_closes_at": "2026-12-09T18:00",
    "vote_opens_at": "2026-12-08T09:00",
    "vote_closes_at": "2026-12-10T18:00",
}
SELF = "一年来认真学习，按时参加组织生活。"
Q, E = AppraisalRating.QUALIFIED, AppraisalRating.EXCELLENT


async def _told(client: AppClient, round_id: int) -> set[int]:
    """Who the round's opening notice is for (there is exactly one)."""
    async with client.sessions() as session:
        [notice] = (
            await session.exec(
                select(Broadcast).where(Broadcast.key == f"appraisal.open:{round_id}")
            )
        ).all()
        statement = select(BroadcastRecipient.person_id).where(
            BroadcastRecipient.broadcast_id == notice.id
        )
        return {p for p in (await session.exec(statement)).all() if p is not None}


async def test_a_round_from_opening_to_each_members_own_result(
    subscription: AppClient, clock: Clock
) -> None:
    client = subscription
    clock.set(NOW)
    units = await default_units(client)
    full = await add_party_members(client, 3, prefix="f")
    [newcomer] = await add_party_members(client, 1, prefix="y", stage=PoliticalStage.PROBATIONARY)
    await add_user(client, "sec", AdminRole.SECRETARY, units.branch)
    assert (await sign_in(client, "sec")).status_code == 303

    created = await post_form(client, "/admin/appraisal/new", FORM | {"unit_id": units.branch})
    assert created.status_code == 303, created.text[:500]
    path = created.headers["location"]
    round_id = int(path.rsplit("/", 1)[1])
    opened = await post_form(client, f"{path}/open", {}, page=path)
    assert opened.status_code == 303
    again = await post_form(client, f"{path}/open", {}, page=path)
    assert again.status_code == 409 and "已经开启" in again.text
    everyone = [*full, newcomer]
    assert await _told(client, round_id) == {m.person_id for m in everyone}
    [outsider] = await add_party_members(client, 1, prefix="z")  # joined after the snapshot

    me, first, second = full
    page = await client.get(link(client, round_id, me.person_id))
    assert page.status_code == 200 and 'data-testid="vote-later"' in page.text
    fields = {"csrf_token": csrf_of(page.text), "t": token_of(page), "text": SELF}
    assert (await client.post(f"/m/appraisal/{round_id}/self", data=fields)).status_code == 303
    assert SELF in (await client.get(link(client, round_id, me.person_id))).text
    stranger = await client.get(link(client, round_id, outsider.person_id))
    assert stranger.status_code == 403 and "不在本次民主评议" in stranger.text

    clock.advance(timedelta(days=1).total_seconds())  # voting opened at 09:00
    ballot = await client.get(link(client, round_id, me.person_id))
    assert ballot.text.count('data-testid="candidate"') == 3
    assert me.name not in ballot.text.split('data-testid="ballot"', 1)[1]
    others = everyone_but(me, everyone, Q)
    for forged in (
        others | {me.person_id: E.value},  # oneself
        others | {outsider.person_id: Q.value},  # someone not in the round
        {first.person_id: Q.value},  # someone missing
        others | {first.person_id: "perfect"},  # no such rating
    ):
        refused = await cast(client, round_id, me, forged)
        assert refused.status_code == 422 and "没有记录" in refused.text
    assert await count_rows(client, AppraisalBallot) == 0
    assert (await cast(client, round_id, me, others)).status_code == 303
    assert 'data-testid="voted"' in (await client.get(link(client, round_id, me.person_id))).text
    twice = await cast(client, round_id, me, others)
    assert twice.status_code == 409 and "不能重复投票" in twice.text
    no_vote = await cast(client, round_id, newcomer, everyone_but(newcomer, everyone, Q))
    assert no_vote.status_code == 403 and "不参加本次互评投票" in no_vote.text

    console = await client.get(path)
    assert "已投票 1 / 3 人" in console.text and 'data-testid="tally"' not in console.text
    api = (await client.get(f"/api/v1/appraisal/rounds/{round_id}")).json()
    assert api["status"] == "open" and all(p["tallies"] is None for p in api["participants"])

    for voter in (first, second):  # the last voter closes the round
        ratings = everyone_but(voter, everyone, Q) | {newcomer.person_id: E.value}
        assert (await cast(client, round_id, voter, ratings)).status_code == 303
    assert (await the_round(client, round_id)).status == AppraisalStatus.CLOSED.value
    assert await count_rows(client, AppraisalBallot) == 0  # only counts remain
    assert await count_rows(client, AppraisalTally) > 0
    api = (await client.get(f"/api/v1/appraisal/rounds/{round_id}")).json()
    tallies = {p["person_id"]: p["tallies"] for p in api["participants"]}
    assert tallies[newcomer.person_id] == {
        "excellent": 2,
        "qualified": 1,
        "basic": 0,
        "unqualified": 0,
    }
    assert tallies[me.person_id]["qualified"] == 2
    assert (await client.get(path)).text.count('data-testid="tally"') == 4 * 4
    mine = await client.get(link(client, round_id, me.person_id))
    assert 'data-testid="my-result"' not in mine.text  # not before the verdict
    assert 'data-testid="awaiting-verdict"' in mine.text

    verdict = f"{path}/verdicts/{first.person_id}"
    bare = await post_form(client, verdict, {"verdict": "unqualified", "note": ""}, page=path)
    assert bare.status_code == 409 and "处置意见" in bare.text
    noted = {"verdict": "unqualified", "note": "限期改正三个月"}
    assert (await post_form(client, verdict, noted, page=path)).status_code == 303
    twice = await post_form(client, verdict, {"verdict": "qualified"}, page=path)
    assert twice.status_code == 409 and "不能重复评定" in twice.text
    mine_path = f"{path}/verdicts/{me.person_id}"
    assert (
        await post_form(client, mine_path, {"verdict": "qualified"}, page=path)
    ).status_code == 303
    assert len(await audit_entries(client, "appraisal.verdict")) == 2

    mine = await client.get(link(client, round_id, me.person_id))
    result = mine.text.split('data-testid="my-result"', 1)[1]
    assert "合格 2 票" in result and 'data-testid="my-verdict">合格<' in result
    assert "限期改正" not in mine.text and first.name not in result

    export = await client.get(f"{path}.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 4
    row = next(r for r in rows if r[1] == me.name)
    assert row[3] == "已提交" and row[5] == 2 and row[8] == "合格"

    await add_user(client, "other", AdminRole.SECRETARY, units.groups[1])
    other = second_browser(client)
    assert (await sign_in(other, "other")).status_code == 303
    listed = (await other.get("/api/v1/appraisal/rounds")).json()
    assert (
        listed == [] and (await client.get("/api/v1/appraisal/rounds")).json()[0]["id"] == round_id
    )
    for outside in (path, f"{path}.xlsx", f"/api/v1/appraisal/rounds/{round_id}"):
        assert (await other.get(outside)).status_code == 404, outside
    refused = await post_form(
        other, f"{path}/verdicts/{second.person_id}", {"verdict": "qualified"}
    )
    assert refused.status_code == 404
