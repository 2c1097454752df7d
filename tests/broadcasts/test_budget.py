"""The push budget (减负): at most PUSH_BUDGET_PER_MONTH non-urgent pushes a member a month;
the rest merged into one Monday digest, urgent notices exempt but counted."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import select

from app.config import Settings
from app.jobs.context import JobContext
from app.jobs.registry import JOBS
from app.models import AdminRole, Broadcast, BroadcastRecipient, Person, RecipientStatus
from app.models.types import CHINA
from app.services.broadcasts import budget, notices
from tests.support.app import AppClient
from tests.support.broadcasts import Member, add_members, deliveries_by_openid, sender_for
from tests.support.console import add_user, admin_console, default_units, second_browser, sign_in
from tests.support.plugin import Clock

BUDGET = 3  # small, so a test stays short; the default (8) is checked in test_the_default


def china(day: int, hour: int = 10, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


async def tell(
    client: AppClient,
    members: list[Member],
    key: str,
    *,
    urgent: bool = False,
    url: str | None = None,
) -> Broadcast | None:
    """A notice to these members, as a feature's service creates it (one transaction)."""
    now = client.app.state.clock()
    extra = {"url": url} if url else {}
    async with client.sessions() as session:
        broadcast = await notices.notify(
            session,
            key=key,
            kind="notice",
            subject=("test", 1),
            message=notices.message(
                f"通知{key}", f"通知正文{key}", thing="测试", when=now, **extra
            ),
            people=[m.person_id for m in members],
            settings=client.settings,
            now=now,
            urgent=urgent,
        )
        await session.commit()
        return broadcast


async def row_statuses(client: AppClient, member: Member) -> Counter[str]:
    """The member's rows by status."""
    async with client.sessions() as session:
        rows = await session.exec(
            select(BroadcastRecipient.status).where(
                BroadcastRecipient.person_id == member.person_id
            )
        )
        return Counter(rows.all())


async def run_job(client: AppClient, job_id: str, now: datetime) -> str | None:
    """Run one scheduled job as the scheduler would."""
    app = client.app
    ctx = JobContext(
        sessions=app.state.sessions,
        engine=app.state.engine,
        client=app.state.broadcast_client,
        settings=app.state.settings,
        clock=app.state.clock,
    )
    return await JOBS[job_id].run(ctx, now)


def test_the_default() -> None:
    assert Settings(_env_file=None).push_budget_per_month == 8


async def test_the_ninth_is_merged_an_urgent_one_sent_and_counted(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client()  # the default budget: 8 a month
    clock.set(china(3))
    first, other = await add_members(client, 2)
    for n in range(8):
        await tell(client, [first], f"a{n}")
    await tell(client, [first, other], "ninth")  # the 9th for `first`, the 1st for `other`
    await tell(client, [first], "moved", urgent=True)
    await sender_for(client).run()

    phones = deliveries_by_openid(client)
    assert phones[first.openid] == 9  # eight within budget and the urgent one
    assert phones[other.openid] == 1
    assert await row_statuses(client, first) == {"sent": 9, "merged": 1}
    async with client.sessions() as session:
        counted = await budget.counts(session, person_ids=[first.person_id], now=clock())
        assert counted == {first.person_id: 8}
        urgent = await budget.counts(
            session, person_ids=[first.person_id], now=clock(), urgent=True
        )
        assert urgent == {first.person_id: 1}
    page = await client.get("/admin/broadcasts/budget")  # not signed in: the sign-in page
    assert page.status_code == 302 and "/admin/login" in page.headers["location"]


async def test_the_digest_carries_every_merged_notice_once(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=1)
    clock.set(china(2))  # a Wednesday
    (member,) = await add_members(client, 1)
    await tell(client, [member], "within")
    await tell(client, [member], "late1", url="https://example.org/m/meetings/1")
    clock.set(china(4))
    await tell(client, [member], "late2")
    assert await run_job(client, "broadcasts.digest", china(6)) is None  # Sunday: not yet

    monday = china(7, 9, 5)
    clock.set(monday)
    assert await run_job(client, "broadcasts.digest", monday) is not None
    assert await run_job(client, "broadcasts.digest", china(7, 10)) is None  # run again: nothing
    await sender_for(client).run()

    texts = [d for d in client.sandbox.deliveries if d.openid == member.openid]
    assert len(texts) == 2  # the one within budget, then the digest
    async with client.sessions() as session:
        digests = (await session.exec(select(Broadcast).where(Broadcast.kind == "digest"))).all()
        assert len(digests) == 1
        text = str(digests[0].message["text"])
        assert "通知late1" in text and "通知late2" in text and "通知within" not in text
        assert "https://example.org/m/meetings/1" in text
        carried = (
            await session.exec(
                select(BroadcastRecipient.digest_id).where(
                    BroadcastRecipient.status == RecipientStatus.MERGED.value
                )
            )
        ).all()
        assert carried == [digests[0].id, digests[0].id]

    # Merged after this Monday's digest: waits for the next Monday, not sent on its own.
    await tell(client, [member], "late3")
    assert await run_job(client, "broadcasts.digest", china(8)) is None
    assert await run_job(client, "broadcasts.digest", china(14, 9)) is not None


async def test_the_digest_waits_for_the_quiet_hours_to_end(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=1, quiet_hours="08:00-10:00")
    clock.set(china(2))
    (member,) = await add_members(client, 1)
    await tell(client, [member], "one")
    await tell(client, [member], "two")
    await sender_for(client, clock=clock).run()
    monday = china(7, 9, 1)
    clock.set(monday)
    await run_job(client, "broadcasts.digest", monday)
    await sender_for(client, clock=clock).run()
    assert deliveries_by_openid(client)[member.openid] == 1  # the digest waits
    clock.set(china(7, 10, 1))
    await sender_for(client, clock=clock).run()
    assert deliveries_by_openid(client)[member.openid] == 2


async def test_the_month_ends_at_midnight_china_time(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=1)
    (member,) = await add_members(client, 1)
    clock.set(china(31, 23, 30))  # 15:30 UTC: still December in China
    await tell(client, [member], "dec")
    await tell(client, [member], "dec-over")
    clock.set(china(1, 0, 10, month=1, year=2027))  # 16:10 UTC on Dec 31: January in China
    await tell(client, [member], "jan")
    assert await row_statuses(client, member) == {"pending": 2, "merged": 1}


@pytest.mark.both_databases  # an advisory lock on PostgreSQL, the write lock on SQLite
async def test_two_notices_at_once_cannot_both_slip_under(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=BUDGET)
    clock.set(china(3))
    (member,) = await add_members(client, 1)
    for n in range(BUDGET - 1):
        await tell(client, [member], f"a{n}")
    await asyncio.gather(*(tell(client, [member], f"race{n}") for n in range(4)))
    assert await row_statuses(client, member) == {"pending": BUDGET, "merged": 3}


async def test_a_notice_to_many_takes_one_lock_and_still_cannot_slip_under(
    make_client: Callable[..., Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past PER_MEMBER_LOCKS_MAX people a notice locks every budget at once (the lock table is
    # finite); here "many" is two, racing with notices to one of them.
    monkeypatch.setattr(budget, "PER_MEMBER_LOCKS_MAX", 1)
    client = await make_client(push_budget_per_month=BUDGET)
    clock.set(china(3))
    member, other = await add_members(client, 2)
    for n in range(BUDGET - 1):
        await tell(client, [member], f"a{n}")
    await asyncio.gather(
        tell(client, [member, other], "all"), *(tell(client, [member], f"one{n}") for n in range(3))
    )
    assert await row_statuses(client, member) == {"pending": BUDGET, "merged": 3}
    assert await row_statuses(client, other) == {"pending": 1}


async def test_the_console_shows_each_members_month(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client = await make_client(push_budget_per_month=1)
    units = await default_units(client)
    clock.set(china(3))
    mine, theirs = await add_members(client, 2)
    async with client.sessions() as session:
        for member, unit in ((mine, units.groups[0]), (theirs, units.groups[1])):
            person = await session.get(Person, member.person_id)
            assert person is not None
            person.org_unit_id = unit
            session.add(person)
        await session.commit()
    await tell(client, [mine, theirs], "one")
    await tell(client, [mine], "two")
    await tell(client, [mine], "cancelled", urgent=True)

    await admin_console(client)
    page = await client.get("/admin/broadcasts/budget?month=2026-12")
    assert page.status_code == 200
    assert page.text.count('data-testid="budget-row"') == 2
    assert "通知two" in page.text and "已并入每周汇总（待汇总）" in page.text
    assert "紧急" in page.text
    assert "这个月还没有推送" in (await client.get("/admin/broadcasts/budget?month=2026-11")).text

    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    secretary = second_browser(client)
    await sign_in(secretary, "sec")
    page = await secretary.get("/admin/broadcasts/budget?month=2026-12")
    assert page.text.count('data-testid="budget-row"') == 1
    assert f'data-person="{mine.person_id}"' in page.text
    refused = await secretary.get(f"/admin/broadcasts/budget?unit={units.groups[1]}")
    assert refused.status_code == 403
