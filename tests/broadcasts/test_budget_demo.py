"""The demo stays within the push budget: a month of the scheduler's jobs over the demo data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import col, select

from app.jobs.context import JobContext
from app.jobs.registry import JOBS
from app.models import Broadcast, BroadcastRecipient, Follower, Person
from app.models.types import CHINA
from app.services.broadcasts.budget import COUNTED
from tests.support.app import AppClient
from tests.support.demo import seed_demo
from tests.support.plugin import Clock

# Jobs that push nothing to a member (or need files): left out to keep the month short.
QUIET_JOBS = {"jobs.prune", "imports.run", "attachments.fetch"}


async def _bind_everyone(client: AppClient) -> None:
    """Every demo person follows the account, so every notice would reach a phone."""
    async with client.sessions() as session:
        bound = set((await session.exec(select(Follower.person_id))).all())
        for person in (await session.exec(select(Person))).all():
            if person.id in bound:
                continue
            openid = f"odemo{person.id:06d}".ljust(28, "x")
            session.add(Follower(openid=openid, person_id=person.id))
            client.sandbox.add_follower(openid)
        await session.commit()


async def test_a_month_of_the_demo_stays_within_budget(client: AppClient, clock: Clock) -> None:
    await seed_demo(client)
    await _bind_everyone(client)
    app = client.app
    ctx = JobContext(
        app.state.engine,
        app.state.sessions,
        app.state.broadcast_client,
        app.state.settings,
        clock=app.state.clock,
    )
    start = clock().astimezone(CHINA).replace(hour=3, minute=40, second=0, microsecond=0)
    for step in range(31 * 4):  # every 6 hours (03:40, 09:40, 15:40, 21:40 China) for a month
        moment = start + timedelta(hours=6 * step)
        clock.set(moment)
        for job_id, job in JOBS.items():
            if job_id not in QUIET_JOBS:
                await job.run(ctx, moment)

    budget = client.settings.push_budget_per_month
    async with client.sessions() as session:
        rows = (
            await session.exec(
                select(BroadcastRecipient.person_id, Broadcast.created_at, Broadcast.kind)
                .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
                .where(
                    col(BroadcastRecipient.status).in_(COUNTED), col(Broadcast.urgent).is_(False)
                )
            )
        ).all()
    pushes: Counter[tuple[int, str]] = Counter()
    for person_id, created_at, kind in rows:
        if kind != "digest":  # the digest goes even over the budget, once a week
            pushes[(person_id, f"{created_at.astimezone(CHINA):%Y-%m}")] += 1
    assert pushes, "the demo pushed nothing: the test would prove nothing"
    assert max(pushes.values()) <= budget, pushes.most_common(3)
