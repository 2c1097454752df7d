"""How far a broadcast has got: counts by outcome, the reasons, and each person's row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Broadcast, BroadcastRecipient, BroadcastStatus, Person, RecipientStatus
from app.models.types import label_of
from app.services.people import roster as people_service

SETTLED = frozenset(
    {
        RecipientStatus.SENT.value,
        RecipientStatus.FAILED.value,
        RecipientStatus.UNREACHABLE.value,
        RecipientStatus.CANCELLED.value,
        RecipientStatus.MERGED.value,
    }
)


@dataclass
class Progress:
    """A broadcast's numbers; `done` counts rows that will not change by themselves."""

    broadcast_id: int
    status: str
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    opened: int = 0

    @property
    def done(self) -> int:
        """Rows with a final outcome."""
        return sum(n for status, n in self.counts.items() if status in SETTLED)

    @property
    def reachable(self) -> int:
        """Rows a channel can reach: everyone but the unreachable, who are counted apart (and
        those merged into the weekly digest over the push budget, not sent alone)."""
        skipped = self.count(RecipientStatus.UNREACHABLE) + self.count(RecipientStatus.MERGED)
        return max(0, self.total - skipped)

    @property
    def percent(self) -> int:
        """Share of the reachable who were sent the message, 0–100 (unreachable rows are no
        progress: a broadcast nobody could be sent reads 0 %, not 88 %)."""
        if self.reachable == 0:
            return 0
        return int(100 * self.count(RecipientStatus.SENT) / self.reachable)

    def count(self, status: str) -> int:
        """Rows in one status (a RecipientStatus, or its value)."""
        return self.counts.get(str(status), 0)


async def told(session: AsyncSession, *, broadcast: Broadcast, what: str) -> str:
    """ "已向 3 人{what}。另有 2 人无法通过微信通知（…），请另行通知。" for a new broadcast:
    only the people a channel can reach are counted as told."""
    numbers = await progress(session, broadcast=broadcast)
    unreachable = numbers.count(RecipientStatus.UNREACHABLE)
    text = f"已向 {broadcast.total - unreachable} 人{what}。"
    if unreachable:
        reasons = "、".join(f"{why} {n} 人" for why, n in numbers.reasons.items())
        why = f"（{reasons}）" if reasons else ""
        text += f"另有 {unreachable} 人无法通过微信通知{why}，请另行通知。"
    return text


async def progress(session: AsyncSession, *, broadcast: Broadcast) -> Progress:
    """The current numbers of one broadcast."""
    assert broadcast.id is not None
    where = BroadcastRecipient.broadcast_id == broadcast.id
    counts = (
        await session.exec(
            select(BroadcastRecipient.status, func.count())
            .where(where)
            .group_by(col(BroadcastRecipient.status))
        )
    ).all()
    channels = (
        await session.exec(
            select(BroadcastRecipient.channel, func.count())
            .where(where, col(BroadcastRecipient.channel).is_not(None))
            .group_by(col(BroadcastRecipient.channel))
        )
    ).all()
    reasons = (
        await session.exec(
            select(BroadcastRecipient.reason, func.count())
            .where(
                where,
                col(BroadcastRecipient.reason).is_not(None),
                col(BroadcastRecipient.status).in_(
                    [
                        RecipientStatus.FAILED.value,
                        RecipientStatus.UNREACHABLE.value,
                        RecipientStatus.UNKNOWN.value,
                        RecipientStatus.PENDING.value,
                    ]
                ),
            )
            .group_by(col(BroadcastRecipient.reason))
        )
    ).all()
    opened = (
        await session.exec(
            select(func.count()).where(where, col(BroadcastRecipient.opened_at).is_not(None))
        )
    ).one()
    return Progress(
        broadcast_id=broadcast.id,
        status=broadcast.status,
        total=broadcast.total,
        counts={str(s): int(n) for s, n in counts},
        by_channel={str(c): int(n) for c, n in channels},
        reasons={str(r): int(n) for r, n in reasons},
        opened=int(opened),
    )


@dataclass(frozen=True)
class RecipientLine:
    """One person's row as the console and the export show it."""

    person_id: int
    name: str
    employee_no: str
    channel: str | None
    status: str
    reason: str | None
    attempts: int
    sent_at: datetime | None
    msgid: int | None
    errcode: int | None
    receipt: str | None
    opened_at: datetime | None


async def recipients(
    session: AsyncSession,
    *,
    broadcast_id: int,
    status: str | None = None,
    unit_ids: frozenset[int] | None = None,
) -> list[RecipientLine]:
    """The rows of a broadcast with the person's name: of one status, of the units in scope."""
    statement = people_service.in_scope(
        select(BroadcastRecipient, Person.name, Person.employee_no)
        .join(Person, col(Person.id) == col(BroadcastRecipient.person_id))
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .order_by(col(BroadcastRecipient.id)),
        unit_ids,
    )
    if status:
        statement = statement.where(BroadcastRecipient.status == status)
    return [
        RecipientLine(
            person_id=row.person_id,
            name=name,
            employee_no=employee_no,
            channel=row.channel,
            status=row.status,
            reason=row.reason,
            attempts=row.attempts,
            sent_at=row.sent_at,
            msgid=row.msgid,
            errcode=row.errcode,
            receipt=row.receipt,
            opened_at=row.opened_at,
        )
        for row, name, employee_no in (await session.exec(statement)).all()
    ]


async def recent(session: AsyncSession, *, limit: int = 50) -> list[Broadcast]:
    """The newest broadcasts first."""
    result = await session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit))
    return list(result.all())


# --- what the console shows ---------------------------------------------------------------

FINAL = frozenset({BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value})
KINDS = {
    "newsletter": "刊物",
    "reminder": "会前提醒",
    "followup": "补学通知",
    "pledge_prompt": "承诺书签署",
    "pledge_reminder": "承诺书提醒",
    "pledge_deadline": "承诺书截止",
    "quiz_notice": "测试通知",
    "notice": "通知",
    "digest": "每周通知汇总",
}


def status_label(value: str) -> str:
    """A broadcast status in Chinese."""
    return label_of(BroadcastStatus, value)


def numbers(progress: Progress) -> dict[str, Any]:
    """The figures the pages and progress.json show (待发送 includes rows being sent)."""
    return {
        "status": progress.status,
        "status_label": status_label(progress.status),
        "final": progress.status in FINAL,
        "total": progress.total,
        "reachable": progress.reachable,
        "percent": progress.percent,
        "done": progress.done,
        "opened": progress.opened,
        "counts": {
            "sent": progress.count(RecipientStatus.SENT),
            "failed": progress.count(RecipientStatus.FAILED),
            "unreachable": progress.count(RecipientStatus.UNREACHABLE),
            "pending": progress.count(RecipientStatus.PENDING)
            + progress.count(RecipientStatus.SENDING),
            "unknown": progress.count(RecipientStatus.UNKNOWN),
            "cancelled": progress.count(RecipientStatus.CANCELLED),
        },
    }
