"""Shared by the 微感悟 tests: a topic made as the console makes it, reflections written through
the service, photos sent from a phone, what the database holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from app.models import AudienceKind, Broadcast, Person, Reflection, ReflectionStatus
from app.services import audit
from app.services.reflections import editing, topics, writing
from app.services.reflections.topics import TopicDraft
from tests.support.app import AppClient
from tests.support.chat import Chat, branch_id, china

NOW = china(2026, 12, 7, 10)
TITLE = "我为企业'高质发展'做什么、怎么做"
TEXT = "立足岗位抓质量，每道工序都按标准来，把降本增效落到每一炉钢上。"


async def make_topic(
    client: AppClient,
    *,
    opens_at: datetime | None = None,
    days: int = 14,
    title: str = TITLE,
) -> int:
    """A topic open from `opens_at` (default: a day before NOW) for `days`; its id."""
    start = opens_at or NOW - timedelta(days=1)
    draft = TopicDraft(
        title=title,
        guidance="结合本职岗位，谈做法、谈体会，300 字左右。",
        opens_at=start,
        closes_at=start + timedelta(days=days),
        org_unit_id=await branch_id(client),
        audience=AudienceKind.PARTY_MEMBERS,
    )
    async with client.sessions() as session:
        topic = await topics.create(session, draft=draft, actor=audit.SYSTEM, now=NOW)
        await session.commit()
        assert topic.id is not None
        return topic.id


async def write(
    client: AppClient, topic_id: int, person_id: int, text: str = TEXT, *, selected: bool = False
) -> int:
    """A reflection written by the person (selected by the editors if asked); its id."""
    async with client.sessions() as session:
        topic = await topics.get(session, topic_id=topic_id)
        person = await session.get(Person, person_id)
        assert topic is not None and person is not None
        reflection = await writing.submit(session, topic=topic, person=person, text=text, now=NOW)
        if selected:
            await editing.decide(
                session, reflection=reflection, status=ReflectionStatus.SELECTED,
                actor=audit.SYSTEM, now=NOW,
            )  # fmt: skip
        await session.commit()
        assert reflection.id is not None
        return reflection.id


async def send_photo(chat: Chat, openid: str, number: int) -> str:
    """The member sends a photo (an image message); the reply's text ("" for none)."""
    chat.sandbox.open_window(openid, "message")
    return await chat.send(
        openid,
        {
            "MsgType": "image",
            "PicUrl": f"http://mmbiz.qpic.cn/reflection-{number}.jpg",
            "MediaId": f"media-{number}",
        },
    )


async def send_voice(chat: Chat, openid: str) -> str:
    """The member sends a voice message; the reply's text."""
    chat.sandbox.open_window(openid, "message")
    return await chat.send(openid, {"MsgType": "voice", "MediaId": "voice-1", "Format": "amr"})


async def reflections_of(client: AppClient, person_id: int) -> list[Reflection]:
    """The person's reflections, oldest first."""
    async with client.sessions() as session:
        statement = (
            select(Reflection).where(Reflection.person_id == person_id).order_by(col(Reflection.id))
        )
        return list((await session.exec(statement)).all())


async def get_reflection(client: AppClient, reflection_id: int) -> Reflection:
    """The reflection as stored now."""
    async with client.sessions() as session:
        found = await session.get(Reflection, reflection_id)
        assert found is not None
        return found


async def broadcasts(client: AppClient, prefix: str) -> list[Broadcast]:
    """The notices whose key starts with `prefix`, oldest first."""
    async with client.sessions() as session:
        statement = (
            select(Broadcast)
            .where(col(Broadcast.key).startswith(prefix))
            .order_by(col(Broadcast.id))
        )
        return list((await session.exec(statement)).all())
