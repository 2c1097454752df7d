"""The inbound message log: what members sent and what they got back, for the secretary."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Follower, InboundMessage, Person

# A secretary sees messages of people in their units; unbound followers only admins see.
from app.services.people.roster import in_scope

_CONTENT = re.compile(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)
_LINK = re.compile(r"<a\s[^>]*>(.*?)</a>", re.S | re.I)


class MessageLogEntry(BaseModel):
    """One inbound message or event with the reply it got."""

    id: int
    received_at: datetime
    openid: str
    person_id: int | None
    person_name: str | None
    msg_type: str
    event: str | None
    event_key: str | None
    content: str | None
    handler: str | None
    status: str
    reply_text: str | None
    late_reply_text: str | None


def reply_text(xml: str | None) -> str | None:
    """The human-readable part of a stored reply ("success" means nothing was said)."""
    if not xml or xml == "success":
        return None
    match = _CONTENT.search(xml)
    if match:
        return _LINK.sub(r"\1", match.group(1))  # a link reads as its words, as the member saw it
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 - our own stored reply, not input
    except ElementTree.ParseError:
        return xml[:200]
    titles = [el.text or "" for el in root.iter("Title")]
    return "图文：" + "、".join(titles) if titles else f"[{root.findtext('MsgType') or '回复'}]"


async def recent_messages(
    session: AsyncSession,
    *,
    unit_ids: frozenset[int] | None,
    person_id: int | None = None,
    openid: str | None = None,
    msg_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[MessageLogEntry], int]:
    """A page of the log, newest first, and how many entries match."""
    statement = (
        select(InboundMessage, Person.id, Person.name)
        .outerjoin(Follower, col(Follower.openid) == InboundMessage.openid)
        .outerjoin(Person, col(Person.id) == Follower.person_id)
    )
    if person_id is not None:
        statement = statement.where(Person.id == person_id)
    if openid:
        statement = statement.where(InboundMessage.openid == openid)
    if msg_type:
        statement = statement.where(InboundMessage.msg_type == msg_type)
    statement = in_scope(statement, unit_ids)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(InboundMessage.id).desc()).offset(offset).limit(limit)
        )
    ).all()
    entries = [
        MessageLogEntry(
            id=message.id or 0,
            received_at=message.received_at,
            openid=message.openid,
            person_id=pid,
            person_name=name,
            msg_type=message.msg_type,
            event=message.event,
            event_key=message.event_key,
            content=message.content,
            handler=message.handler,
            status=message.status,
            reply_text=reply_text(message.reply),
            late_reply_text=reply_text(message.late_reply),
        )
        for message, pid, name in rows
    ]
    return entries, int(total)


async def activity_by_day(
    session: AsyncSession,
    *,
    unit_ids: frozenset[int] | None,
    days: int = 7,
    now: datetime,
    timezone: str = "Asia/Shanghai",
) -> list[tuple[date, int]]:
    """Messages per local (China) day over the last `days` days, oldest first, zeros included."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    since = (local_now - timedelta(days=days - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    statement = (
        select(InboundMessage.received_at)
        .outerjoin(Follower, col(Follower.openid) == InboundMessage.openid)
        .outerjoin(Person, col(Person.id) == Follower.person_id)
        .where(InboundMessage.received_at >= since)
    )
    counts: dict[date, int] = {}
    # Counted in Python: portable across SQLite and PostgreSQL, and a week is small.
    for received_at in (await session.exec(in_scope(statement, unit_ids))).all():
        day = received_at.astimezone(zone).date()
        counts[day] = counts.get(day, 0) + 1
    first = since.date()
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)
    ]
