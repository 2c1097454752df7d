"""The weekly digest (减负): on Mondays from 09:00 (China time) each member whose notices were
merged over the push budget gets one push listing them, with their links.

The digest is keyed per member and week, so however often (or late) the job runs, a member
gets one digest a week, and each merged notice is marked with the digest that carried it, once.
The digest counts as one push of the month and goes even over the budget; quiet hours apply to
it as to every push (the sender holds it back).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import execute
from app.models import Broadcast, BroadcastRecipient, RecipientStatus
from app.models.types import CHINA
from app.services.broadcasts import reach as reach_service
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.notices import NOTICE_CHANNELS, NoticeRun

DIGEST_AT = time(9, 0)
KIND = "digest"


@dataclass(frozen=True, slots=True)
class Item:
    """One merged notice waiting for a member's digest."""

    row_id: int
    title: str
    created_at: datetime
    url: str | None


def week_anchor(now: datetime) -> datetime:
    """The latest Monday 09:00 (China) at or before `now`: the digest of that week is due."""
    local = now.astimezone(CHINA)
    monday = local.date() - timedelta(days=local.weekday())
    anchor = datetime.combine(monday, DIGEST_AT, CHINA)
    return anchor if anchor <= local else anchor - timedelta(days=7)


def digest_key(person_id: int, anchor: datetime) -> str:
    """One digest per member and week."""
    return f"digest:{person_id}:{anchor:%Y%m%d}"


async def waiting(session: AsyncSession, *, before: datetime) -> dict[int, list[Item]]:
    """Merged notices created before `before` that no digest carried yet, per member."""
    rows = await session.exec(
        select(BroadcastRecipient.id, BroadcastRecipient.person_id, Broadcast)
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .where(
            BroadcastRecipient.status == RecipientStatus.MERGED.value,
            col(BroadcastRecipient.digest_id).is_(None),
            col(Broadcast.created_at) < before,
        )
        .order_by(col(BroadcastRecipient.person_id), col(Broadcast.created_at))
    )
    items: dict[int, list[Item]] = defaultdict(list)
    for row_id, person_id, broadcast in rows.all():
        assert row_id is not None
        url = broadcast.message.get("url")
        item = Item(int(row_id), broadcast.title, broadcast.created_at, url and str(url))
        items[int(person_id)].append(item)
    return dict(items)


def digest_message(items: list[Item], *, budget: int, anchor: datetime) -> dict[str, object]:
    """The digest's text (each notice with its date and link) and its template fields."""
    lines = [
        f"【本周通知汇总】本月推送已达 {budget} 条，为减少打扰，以下 {len(items)} 条通知"
        "未单独推送，汇总如下："
    ]
    for n, item in enumerate(items, start=1):
        line = f"{n}. {item.title}（{item.created_at.astimezone(CHINA):%m-%d}）"
        lines.append(f"{line}\n{item.url}" if item.url else line)
    local = f"{anchor:%Y-%m-%d %H:%M}"
    thing = f"{len(items)} 条通知未单独推送"
    return {
        "title": "本周通知汇总",
        "text": "\n".join(lines),
        "description": thing,
        "template": {"thing1": "本周通知汇总", "thing2": thing, "time3": local},
        "subscribe": {"thing1": "本周通知汇总", "time2": local, "thing3": thing},
    }


async def send_digests(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Create this week's digest of every member with merged notices (none before Monday 09:00
    of the week; a run after downtime sends it late, once)."""
    anchor = week_anchor(now)
    report = NoticeRun()
    for person_id, items in (await waiting(session, before=anchor)).items():
        key = digest_key(person_id, anchor)
        if await row_service.get_by_key(session, key=key) is not None:
            continue  # this week's went already; these wait for the next one
        plans = await reach_service.plan(
            session, person_ids=[person_id], channels=NOTICE_CHANNELS, settings=settings, now=now
        )
        try:
            digest = await row_service.create(
                session,
                key=key,
                kind=KIND,
                title="本周通知汇总",
                message=digest_message(items, budget=settings.push_budget_per_month, anchor=anchor),
                channels=NOTICE_CHANNELS,
                reach=plans,
                now=now,
                created_by="scheduler",
                subject=("person", person_id),
            )
        except row_service.DuplicateBroadcast:
            continue  # another scheduler made it at the same moment
        await execute(
            session,
            update(BroadcastRecipient)
            .where(
                col(BroadcastRecipient.id).in_([i.row_id for i in items]),
                col(BroadcastRecipient.digest_id).is_(None),
            )
            .values(digest_id=digest.id),
        )
        report.created.append(digest)
    return report
