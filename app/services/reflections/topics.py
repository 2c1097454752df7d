"""微感悟 topics: created in the console, open for a period, announced once to their audience."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import AudienceKind, Broadcast, ReflectionTopic
from app.models.types import CHINA
from app.services import audiences, audit
from app.services.broadcasts import notices

SUBJECT = "reflection_topic"  # a broadcast's subject type
TITLE_MAX = 100
GUIDANCE_MAX = 2_000


class TopicRefused(ValueError):
    """A topic the rules do not allow, with the reason in Chinese."""


@dataclass(frozen=True)
class TopicDraft:
    """What the console's form gives for a new topic."""

    title: str
    guidance: str
    opens_at: datetime
    closes_at: datetime
    org_unit_id: int
    audience: AudienceKind = AudienceKind.PARTY_MEMBERS


def check(draft: TopicDraft) -> None:
    """Refuse a topic without a title, with an over-long text, or closing before it opens."""
    if not draft.title.strip():
        raise TopicRefused("请填写主题。")
    if len(draft.title.strip()) > TITLE_MAX:
        raise TopicRefused(f"主题不能超过 {TITLE_MAX} 字。")
    if len(draft.guidance) > GUIDANCE_MAX:
        raise TopicRefused(f"撰写说明不能超过 {GUIDANCE_MAX} 字。")
    if draft.closes_at <= draft.opens_at:
        raise TopicRefused("截止时间应晚于开始时间。")
    if draft.audience is AudienceKind.PEOPLE:
        raise TopicRefused("请选择征集对象。")


async def create(
    session: AsyncSession, *, draft: TopicDraft, actor: audit.Actor, now: datetime
) -> ReflectionTopic:
    """Store a checked topic (audited)."""
    check(draft)
    topic = ReflectionTopic(
        title=draft.title.strip(),
        guidance=draft.guidance.strip(),
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
        org_unit_id=draft.org_unit_id,
        audience=draft.audience.value,
        created_by=actor.name,
        created_at=now,
    )
    session.add(topic)
    await session.flush()
    await audit.record(
        session, actor=actor, action="reflections.topic", target_type=SUBJECT,
        target_id=topic.id, summary=topic.title, after=audit.snapshot(topic),
    )  # fmt: skip
    return topic


async def get(session: AsyncSession, *, topic_id: int) -> ReflectionTopic | None:
    """One topic."""
    return await session.get(ReflectionTopic, topic_id)


async def all_topics(session: AsyncSession) -> list[ReflectionTopic]:
    """Every topic, the latest to open first."""
    statement = select(ReflectionTopic).order_by(
        col(ReflectionTopic.opens_at).desc(), col(ReflectionTopic.id).desc()
    )
    return list((await session.exec(statement)).all())


def is_open(topic: ReflectionTopic, now: datetime) -> bool:
    """Whether members may write on the topic now."""
    return topic.opens_at <= now < topic.closes_at


async def open_topic(session: AsyncSession, *, now: datetime) -> ReflectionTopic | None:
    """The topic members write on now (the latest opened, when two overlap)."""
    statement = (
        select(ReflectionTopic)
        .where(col(ReflectionTopic.opens_at) <= now, col(ReflectionTopic.closes_at) > now)
        .order_by(col(ReflectionTopic.opens_at).desc(), col(ReflectionTopic.id).desc())
    )
    return (await session.exec(statement)).first()


async def next_topic(session: AsyncSession, *, now: datetime) -> ReflectionTopic | None:
    """The next topic to open, if one is planned."""
    statement = (
        select(ReflectionTopic)
        .where(col(ReflectionTopic.opens_at) > now)
        .order_by(col(ReflectionTopic.opens_at))
    )
    return (await session.exec(statement)).first()


def moment(value: datetime) -> str:
    """A China-time moment as a member reads it: 12月7日 10:00."""
    local = value.astimezone(CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _announcement(topic: ReflectionTopic) -> dict[str, Any]:
    text = (
        f"【微感悟征集】主题：{topic.title}。{topic.guidance}\n"
        f"截止 {moment(topic.closes_at)}。回复「写感悟」或点击菜单「写感悟」即可撰写。"
    )
    return notices.message("微感悟征集", text, thing=topic.title, when=topic.closes_at)


async def announce(
    session: AsyncSession,
    *,
    topic: ReflectionTopic,
    actor: audit.Actor,
    settings: Settings,
    now: datetime,
) -> Broadcast | None:
    """One notice to the topic's audience (keyed: a second announcement sends nothing)."""
    if topic.id is None:
        return None
    people = await audiences.resolve(session, target=_Target(topic.audience, topic.org_unit_id))
    created = await notices.notify(
        session,
        key=f"reflections.topic:{topic.id}",
        kind="reflection_topic",
        subject=(SUBJECT, topic.id),
        message=_announcement(topic),
        people=people,
        settings=settings,
        now=now,
        created_by=actor.name,
    )
    if created is not None:
        topic.announced_at = now
        session.add(topic)
        await session.flush()
        await audit.record(
            session, actor=actor, action="reflections.announce", target_type=SUBJECT,
            target_id=topic.id, summary=f"{topic.title}：{created.total} 人",
        )  # fmt: skip
    return created


@dataclass
class _Target:
    """A topic seen as an audience (the shape audiences.resolve reads)."""

    audience: str
    org_unit_id: int
    person_ids: list[int] = field(default_factory=list)
