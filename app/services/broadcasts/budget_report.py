"""The push budget as the console shows it: per member and month, what was sent and what was
merged into the weekly digest."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Broadcast, BroadcastRecipient, Person, RecipientStatus
from app.models.types import CHINA
from app.services.broadcasts.budget import COUNTED, month_bounds
from app.services.broadcasts.progress import KINDS

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Push:
    """One notice of the member's month."""

    title: str
    kind: str
    created_at: datetime
    status: str
    urgent: bool
    digest_id: int | None

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """The row's status in Chinese."""
        return RecipientStatus(self.status).label


@dataclass
class MemberMonth:
    """A member's month: the pushes counted (non-urgent, urgent) and the merged notices."""

    person_id: int
    name: str
    employee_no: str
    pushes: list[Push] = field(default_factory=list)

    @property
    def sent(self) -> list[Push]:
        """Pushes that went (or are going) to the phone."""
        return [p for p in self.pushes if p.status in COUNTED]

    @property
    def counted(self) -> int:
        """Non-urgent pushes: what the budget limits."""
        return sum(1 for p in self.sent if not p.urgent)

    @property
    def urgent(self) -> int:
        """Urgent pushes: counted apart, never merged."""
        return sum(1 for p in self.sent if p.urgent)

    @property
    def merged(self) -> list[Push]:
        """Notices merged into the weekly digest."""
        return [p for p in self.pushes if p.status == RecipientStatus.MERGED.value]


def parse_month(value: str, *, now: datetime) -> datetime:
    """The first moment (China) of "2026-12"; the current month when empty or malformed."""
    found = _MONTH.match(value.strip())
    if found is None:
        return month_bounds(now)[0]
    return datetime(int(found[1]), int(found[2]), 1, tzinfo=CHINA)


async def month(
    session: AsyncSession, *, start: datetime, person_ids: Collection[int] | None = None
) -> list[MemberMonth]:
    """Every member with a push or a merged notice in the month of `start` (only `person_ids`
    when given), by name."""
    begin, end = month_bounds(start)
    statement = (
        select(BroadcastRecipient, Broadcast, Person)
        .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
        .join(Person, col(Person.id) == col(BroadcastRecipient.person_id))
        .where(
            col(BroadcastRecipient.status).in_([*COUNTED, RecipientStatus.MERGED.value]),
            col(Broadcast.created_at) >= begin,
            col(Broadcast.created_at) < end,
        )
        .order_by(col(Person.name), col(Person.id), col(Broadcast.created_at))
    )
    if person_ids is not None:
        statement = statement.where(col(Person.id).in_(sorted(person_ids)))
    members: dict[int, MemberMonth] = {}
    for row, broadcast, person in (await session.exec(statement)).all():
        assert person.id is not None
        member = members.setdefault(
            person.id, MemberMonth(person.id, person.name, person.employee_no)
        )
        member.pushes.append(
            Push(
                broadcast.title,
                broadcast.kind,
                broadcast.created_at,
                row.status,
                broadcast.urgent,
                row.digest_id,
            )
        )
    return list(members.values())
