"""Broadcast tests: an app on the real databases, its in-process sandbox, and many members."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from app.broadcasting import BroadcastSender
from app.models import BroadcastRecipient, Channel, Follower, Person
from app.services.broadcasts import reach as reach_service
from app.services.broadcasts import rows as row_service
from tests.support.app import AppClient


@dataclass
class Member:
    """A person on the roster with a bound WeChat that follows the account."""

    person_id: int
    openid: str


async def add_members(client: AppClient, count: int, *, prefix: str = "m") -> list[Member]:
    """`count` people, each bound to a WeChat that follows the account (in our DB and WeChat's)."""
    app = client.app
    sandbox = client.sandbox
    members: list[Member] = []
    async with app.state.sessions() as session:
        people = [Person(employee_no=f"{prefix}{i:05d}", name=f"成员{i}") for i in range(count)]
        session.add_all(people)
        await session.flush()
        for person in people:
            openid = f"o{prefix}{person.id:06d}".ljust(28, "x")
            session.add(Follower(openid=openid, person_id=person.id))
            sandbox.add_follower(openid)
            assert person.id is not None
            members.append(Member(person.id, openid))
        await session.commit()
    return members


async def make_broadcast(
    client: AppClient,
    members: Sequence[Member],
    *,
    key: str = "notice:test",
    channels: Sequence[Channel] = (Channel.TEMPLATE,),
    message: dict[str, Any] | None = None,
) -> int:
    """A broadcast to these members, planned and stored as the console would."""
    app = client.app
    async with app.state.sessions() as session:
        plans = await reach_service.plan(
            session,
            person_ids=[m.person_id for m in members],
            channels=list(channels),
            settings=app.state.settings,
            now=app.state.clock(),
        )
        broadcast = await row_service.create(
            session,
            key=key,
            kind="notice",
            title="测试通知",
            message=message
            or {
                "title": "测试通知",
                "text": "这是一条测试通知",
                "template": {"thing1": "测试通知", "thing2": "党群部门", "time3": "2026-12-01"},
            },
            channels=list(channels),
            reach=plans,
            now=app.state.clock(),
        )
        await session.commit()
        assert broadcast.id is not None
        return broadcast.id


def sender_for(client: AppClient, **kwargs: Any) -> BroadcastSender:
    """A sender on the app's database and WeChat client, with test-sized retry delays."""
    app = client.app
    kwargs.setdefault("retry_base_seconds", 0.01)
    return BroadcastSender(
        engine=app.state.engine,
        sessions=app.state.sessions,
        client=app.state.broadcast_client,
        settings=app.state.settings,
        **kwargs,
    )


async def rows_of(client: AppClient, broadcast_id: int) -> list[BroadcastRecipient]:
    """The broadcast's rows as stored now."""
    app = client.app
    async with app.state.sessions() as session:
        result = await session.exec(
            select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
        )
        return list(result.all())


def deliveries_by_openid(client: AppClient, channel: str | None = None) -> Counter[str]:
    """How many messages each member's phone received."""
    return Counter(
        d.openid for d in client.sandbox.deliveries if channel is None or d.channel == channel
    )


@pytest.fixture
def statuses() -> Callable[[list[BroadcastRecipient]], Counter[str]]:
    """Count rows by status."""
    return lambda rows: Counter(r.status for r in rows)
