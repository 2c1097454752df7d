"""What the 岗位建功 tests share: evidence files, the chat's links, the forms as pages send them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import col, select

from app.dev.demo.contributions import tiny_png
from app.models import Broadcast, Contribution, Person
from app.services import audit
from app.services.contributions import records
from app.services.contributions.records import Draft
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import csrf_of

NOW = china(2026, 12, 7, 10)
PNG = tiny_png()
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
TITLE = "攻克轧机振动难题"
FIELDS = {
    "kind": "technical",
    "title": TITLE,
    "description": "带领攻关小组排查三周，找出轴承座配合间隙问题。",
    "done_on": "2026-11-20",
    "benefit": "120000",
    "co_contributors": "李四、王五",
}
Files = list[tuple[str, tuple[str, bytes, str]]]


def links_in(reply: str) -> list[str]:
    """The paths (with their query) of the links in a chat reply."""
    found = []
    for href in re.findall(r'href="([^"]+)"', reply):
        parts = urlsplit(href)
        found.append(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return found


def hidden_token(html: str) -> str:
    """The signed link's token a member form carries ("" when OAuth named the reader)."""
    match = re.search(r'name="t" value="([^"]+)"', html)
    return match.group(1) if match else ""


async def submit(
    client: AppClient, page: httpx.Response, files: Files | None = None, **changes: str
) -> httpx.Response:
    """Send the member's form as the page would: its CSRF token and link, the fields, files."""
    data: dict[str, Any] = {"csrf_token": csrf_of(page.text), **FIELDS, **changes}
    if token := hidden_token(page.text):
        data["t"] = token
    return await client.post("/m/contributions/new", data=data, files=files or [])


def png(name: str = "现场.png") -> tuple[str, tuple[str, bytes, str]]:
    """A photo in the form's file field."""
    return ("files", (name, PNG, "image/png"))


async def stored(client: AppClient) -> list[Contribution]:
    """Every contribution, oldest first."""
    async with client.sessions() as session:
        rows = await session.exec(select(Contribution).order_by(col(Contribution.id)))
        return list(rows.all())


async def add_contribution(
    client: AppClient,
    person_id: int,
    *,
    title: str = TITLE,
    kind: str = "technical",
    done_on: date = date(2026, 11, 20),
    benefit: str = "",
    verified: bool | None = None,
) -> int:
    """A contribution recorded as a member's page does (verified or rejected when asked)."""
    async with client.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        draft = Draft(
            person_id=person_id,
            kind=kind,
            title=title,
            description="事迹说明。",
            done_on=done_on,
            benefit=benefit,
        )
        made = await records.record(
            session,
            person=person,
            draft=draft,
            uploads=[],
            via="member",
            actor=audit.Actor(id=None, name=person.name),
            now=NOW,
        )
        if verified is not None:
            await records.decide(
                session,
                contribution=made,
                person=person,
                verified=verified,
                note="意见。",
                actor=audit.Actor(id=None, name="书记"),
                now=NOW,
            )
        await session.commit()
        assert made.id is not None
        return made.id


async def notices_of(client: AppClient, contribution_id: int) -> list[Broadcast]:
    """The verification notices of a contribution."""
    async with client.sessions() as session:
        key = f"contribution.decided:{contribution_id}"
        return list((await session.exec(select(Broadcast).where(Broadcast.key == key))).all())
