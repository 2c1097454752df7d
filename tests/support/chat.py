"""Shared by meeting tests: Party members with a bound WeChat, and meetings made as admins do."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.models import Follower, MeetingKind, Person, PoliticalStage
from app.models.types import CHINA
from app.services import audit
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.people import org_units as org_unit_service
from tests.support.app import AppClient


@dataclass
class Member:
    """A Party member on the roster whose WeChat follows the account and is bound."""

    person_id: int
    openid: str
    name: str


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware China-time moment."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def app_of(client: AppClient) -> Any:
    """The app behind a test client."""
    return client.app


async def branch_id(client: AppClient) -> int:
    """The default branch's id (the tree is created when missing)."""
    async with client.sessions() as session:
        branch = await org_unit_service.ensure_default_tree(session)
        await session.commit()
        assert branch.id is not None
        return branch.id


async def add_party_members(
    client: AppClient,
    count: int,
    *,
    unit_id: int | None = None,
    prefix: str = "p",
    bound: bool = True,
    stage: PoliticalStage = PoliticalStage.FULL,
) -> list[Member]:
    """`count` full members in the branch (or `unit_id`), bound to following WeChats."""
    app = client.app
    unit = unit_id or await branch_id(client)
    sandbox = app.state.sandbox_app.state.sandbox
    members: list[Member] = []
    async with app.state.sessions() as session:
        people = [
            Person(
                employee_no=f"{prefix}{i:04d}",
                name=f"党员{prefix}{i}",
                org_unit_id=unit,
                stage=stage.value,
            )
            for i in range(count)
        ]
        session.add_all(people)
        await session.flush()
        for person in people:
            assert person.id is not None
            openid = f"o{prefix}{person.id:06d}".ljust(28, "x")
            if bound:
                session.add(Follower(openid=openid, person_id=person.id))
                sandbox.add_follower(openid)
            members.append(Member(person.id, openid, person.name))
        await session.commit()
    return members


async def make_meeting(
    client: AppClient,
    *,
    starts_at: datetime,
    kind: MeetingKind = MeetingKind.STUDY_DAY,
    title: str | None = None,
    **fields: Any,
) -> int:
    """A meeting stored through the service, as the console stores one; returns its id."""
    app = client.app
    unit = fields.pop("org_unit_id", None) or await branch_id(client)
    draft = MeetingDraft(
        kind=kind, title=title or kind.label, org_unit_id=unit, starts_at=starts_at, **fields
    )
    async with app.state.sessions() as session:
        meeting = await meeting_service.create(
            session, draft=draft, actor=audit.SYSTEM, now=app.state.clock()
        )
        await session.commit()
        assert meeting.id is not None
        return meeting.id


class Chat:
    """Members acting in WeChat through the sandbox, on the test's clock (WeChat's too)."""

    def __init__(self, client: AppClient, clock: Any) -> None:
        """Drive `client`'s sandbox; `clock` is the app's manual clock."""
        app = client.app
        self.sandbox = app.state.sandbox_app.state.sandbox
        self.callbacks = app.state.sandbox_app.state.sandbox_callbacks
        self.clock = clock

    def _tick(self) -> None:
        # Each event its own CreateTime (same-second events are one event to WeChat), and the
        # sandbox's clock on the app's, or the signature's timestamp would be out of tolerance.
        self.clock.advance(2)
        self.sandbox.clock_offset = self.clock().timestamp() - time.time()

    @staticmethod
    def _text(result: Any) -> str:
        assert result.status == 200, result.error
        return str((result.reply or {}).get("content", ""))

    async def click(self, openid: str, key: str) -> str:
        """Tap a menu button; the reply's text."""
        self._tick()
        return self._text(await self.callbacks.click(openid, key))

    async def say(self, openid: str, text: str) -> str:
        """Send a text; the reply's text."""
        self._tick()
        return self._text(await self.callbacks.send_text(openid, text))

    async def send(self, openid: str, fields: dict[str, Any]) -> str:
        """Send any message (a photo, a voice: its fields but sender, account and time); the
        reply's text ("" for none)."""
        self._tick()
        return self._text(
            await self.callbacks.push(openid, {**fields, "MsgId": self.sandbox.next_msgid()})
        )

    async def scan(self, openid: str, scene: str) -> str:
        """Scan a parametric QR code (a non-follower follows through it); the reply's text."""
        self._tick()
        return self._text(await self.callbacks.scan(openid, scene))


def runner_for(client: AppClient, **options: Any) -> Any:
    """A job runner on the app's database, client and clock (sending left to the test)."""
    from app.jobs.context import JobContext
    from app.jobs.runner import JobRunner

    state = client.app.state
    ctx = JobContext(
        state.engine, state.sessions, state.broadcast_client, state.settings, clock=state.clock
    )
    return JobRunner(ctx, **options)


async def run_job(client: AppClient, job_id: str) -> Any:
    """Run one job as the scheduler would at the clock's time (lease taken first)."""
    runner = runner_for(client)
    assert await runner.keep_lease()
    try:
        return await runner.run(job_id)
    finally:
        await runner.release()


async def oauth_open(client: AppClient, openid: str, path: str) -> httpx.Response:
    """Open a member page as a phone would: our page → WeChat's OAuth (the sandbox) → back."""
    start = await client.get(path)
    assert start.status_code == 302, start.text[:300]
    authorize = urlsplit(start.headers["location"])
    assert authorize.path.endswith("/connect/oauth2/authorize")
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    transport = httpx.ASGITransport(app=client.sandbox_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wx") as wechat:
        granted = await wechat.get("/connect/oauth2/authorize", params=query | {"openid": openid})
    assert granted.status_code == 302, granted.text
    back = urlsplit(granted.headers["location"])
    landed = await client.get(f"{back.path}?{back.query}")
    assert landed.status_code == 302
    return await client.get(landed.headers["location"])


@pytest.fixture
def chat(client: Any, clock: Any) -> Chat:
    """Members typing and tapping in WeChat, on the test's clock."""
    return Chat(client, clock)
