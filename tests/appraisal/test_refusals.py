"""Bad links, and the deadline: the job closes each round once, a late ballot is refused."""

from __future__ import annotations

from datetime import timedelta

from app.models import AppraisalBallot, AppraisalRating, AppraisalStatus, AppraisalTally
from tests.appraisal.support import (
    NOW,
    cast,
    everyone_but,
    link,
    open_round,
    the_round,
    token_of,
)
from tests.support.app import AppClient
from tests.support.chat import Chat, oauth_open, run_job
from tests.support.console import csrf_of
from tests.support.pledges import link_sent_to, send
from tests.support.plugin import Clock, count_rows


async def test_forged_and_expired_links_name_nobody(subscription: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    round_id, [member, *_], _ = await open_round(subscription, full=2)
    good = link(subscription, round_id, member.person_id)
    assert (await subscription.get(good)).status_code == 200
    forged = await subscription.get(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    assert forged.status_code == 404 and "链接无效" in forged.text
    other_round = await subscription.get(f"/m/appraisal/{round_id + 1}?t=x")
    assert other_round.status_code == 404 and "民主评议不存在" in other_round.text
    clock.advance(timedelta(days=8).total_seconds())
    expired = await subscription.get(good)
    assert expired.status_code == 400 and "已过期" in expired.text and "民主评议" in expired.text


async def test_the_deadline_closes_the_round_once_and_a_late_ballot_is_refused(
    subscription: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    round_id, members, _ = await open_round(subscription, full=3)
    clock.advance(timedelta(days=1, minutes=5).total_seconds())
    first = members[0]
    assert (
        await cast(
            subscription, round_id, first, everyone_but(first, members, AppraisalRating.QUALIFIED)
        )
    ).status_code == 303
    assert (await run_job(subscription, "appraisal.close")).detail is None  # not yet due
    late_voter = members[1]
    opened = await subscription.get(link(subscription, round_id, late_voter.person_id))
    ratings = everyone_but(late_voter, members, AppraisalRating.EXCELLENT)
    late_form = {"csrf_token": csrf_of(opened.text), "t": token_of(opened)}
    late_form |= {f"r{person}": rating for person, rating in ratings.items()}

    clock.advance(timedelta(days=2).total_seconds())  # past the voting deadline
    run = await run_job(subscription, "appraisal.close")
    assert run is not None and "已计票" in (run.detail or "")
    closed = await the_round(subscription, round_id)
    assert closed.status == AppraisalStatus.CLOSED.value and closed.closed_at is not None
    clock.advance(timedelta(minutes=10).total_seconds())
    again = await run_job(subscription, "appraisal.close")
    assert again is None or again.detail is None  # each round is closed once
    assert await count_rows(subscription, AppraisalBallot) == 0
    assert await count_rows(subscription, AppraisalTally) == 2  # two candidates rated 合格 once

    late = await subscription.post(f"/m/appraisal/{round_id}/vote", data=late_form)
    assert late.status_code == 410 and "不在互评投票时间内" in late.text
    assert await count_rows(subscription, AppraisalTally) == 2


async def test_the_keyword_answers_with_the_members_own_link(
    subscription: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    chat = Chat(subscription, clock)
    round_id, [member, *_], _ = await open_round(subscription, full=2)
    reply = await chat.say(member.openid, "民主评议")
    assert "2026 年度民主评议党员" in reply and f"/m/appraisal/{round_id}?t=" in reply
    path = reply.split('href="', 1)[1].split('"', 1)[0].split("://", 1)[1]
    page = await subscription.get(path[path.index("/m/") :])
    assert page.status_code == 200 and member.name in page.text


async def test_the_opening_notice_leads_each_member_to_their_own_page(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    round_id, [member, *_], _ = await open_round(client, full=2)
    await send(client)
    sent = link_sent_to(client, member.openid)
    assert sent.startswith(f"/m/appraisal/{round_id}")
    page = await oauth_open(client, member.openid, sent)  # WeChat names the reader
    assert page.status_code == 200 and 'data-testid="self-form"' in page.text
    assert member.name in page.text
