"""Notices: a broadcast to a few named people about one thing (a meeting, a pledge, a test)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import Broadcast, Channel
from app.models.types import CHINA
from app.services.broadcasts import budget as budget_service
from app.services.broadcasts import lifecycle
from app.services.broadcasts import reach as reach_service
from app.services.broadcasts import rows as row_service

# Reminders and notices go to one person each, never by mass send (4 a month, kept for articles).
NOTICE_CHANNELS = (Channel.TEMPLATE, Channel.SUBSCRIBE, Channel.CUSTOM)


@dataclass
class NoticeRun:
    """What one run of a notices job did: the broadcasts it created, and other lines for the
    run record (what it closed, what it skipped and why)."""

    created: list[Broadcast] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str | None:
        """The run's detail for the job record (None: nothing due)."""
        lines = [f"已创建「{b.title}」，{b.total} 人" for b in self.created] + self.notes
        return "\n".join(lines) or None


def message(
    title: str,
    text: str,
    *,
    thing: str,
    when: datetime,
    description: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A notice's message on every channel: the text (custom message), and the template and
    subscription fields — the title, one short `thing` and the time (China time)."""
    local = f"{when.astimezone(CHINA):%Y-%m-%d %H:%M}"
    return {
        "title": title,
        "text": text,
        "description": text if description is None else description,
        "template": {"thing1": title, "thing2": thing, "time3": local},
        "subscribe": {"thing1": title, "time2": local, "thing3": thing},
        **extra,
    }


async def notify(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    subject: tuple[str, int],
    message: dict[str, Any],
    people: Sequence[int],
    settings: Settings,
    now: datetime,
    created_by: str = "scheduler",
    urgent: bool = False,
) -> Broadcast | None:
    """Store the notice's broadcast on the best channel each person has; None if `key` exists.

    Within the push budget: a member who had the month's non-urgent pushes gets a `merged` row
    instead, carried by the weekly digest; an urgent notice goes to everyone and is counted."""
    if await row_service.get_by_key(session, key=key) is not None:
        return None  # sent already: do not take the members' budget locks for nothing
    merged: set[int] = set()
    if not urgent:
        merged = await budget_service.over_budget(
            session, person_ids=people, budget=settings.push_budget_per_month, now=now
        )
    plans = await reach_service.plan(
        session, person_ids=people, channels=NOTICE_CHANNELS, settings=settings, now=now
    )
    try:
        return await row_service.create(
            session,
            key=key,
            kind=kind,
            title=str(message["title"]),
            message=message,
            channels=NOTICE_CHANNELS,
            reach=plans,
            now=now,
            created_by=created_by,
            subject=subject,
            urgent=urgent,
            merged=merged,
            merged_reason=budget_service.merged_reason(settings.push_budget_per_month),
        )
    except row_service.DuplicateBroadcast:
        return None  # another scheduler (or an earlier run) did it


async def stop_queued(
    session: AsyncSession, *, subject: tuple[str, int], now: datetime, by: str
) -> int:
    """Stop what has not gone out of the thing's notices (it was called off); how many messages."""
    queued = select(Broadcast.id).where(
        Broadcast.subject_type == subject[0],
        Broadcast.subject_id == subject[1],
        col(Broadcast.status).in_(lifecycle.ACTIVE),
    )
    stopped = 0
    for broadcast_id in (await session.exec(queued)).all():
        assert broadcast_id is not None
        stopped += await lifecycle.cancel(session, broadcast_id=broadcast_id, now=now, by=by)
    return stopped
