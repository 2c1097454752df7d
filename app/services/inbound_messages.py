"""Storing inbound messages: claim a delivery once, then record how it was answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, Table, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import InboundMessage, InboundStatus

_table: Table = InboundMessage.__table__  # type: ignore[attr-defined]
_c = _table.c


async def _execute(session: AsyncSession, statement: Executable) -> CursorResult[Any]:
    """Run a Core statement on the session's connection (inside its transaction)."""
    connection = await session.connection()
    return await connection.execute(statement)


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of claiming a delivery: ours to handle, or someone else's record."""

    id: int
    is_new: bool
    status: InboundStatus
    response_body: str | None
    claimed_at: datetime
    attempts: int


def _content(fields: dict[str, Any]) -> str | None:
    """The human-readable part of a message, for the message log."""
    for name in ("Content", "Recognition", "Label", "Url", "PicUrl", "Title"):
        value = fields.get(name)
        if isinstance(value, str) and value:
            return value
    return None


async def claim(
    session: AsyncSession,
    *,
    dedup_key: str,
    fields: dict[str, Any],
    msg_type: str,
    event: str | None,
    encrypted: bool,
    now: datetime,
) -> Claim:
    """Insert the delivery unless its key exists; either way say who owns it."""
    event_key = fields.get("EventKey")
    values: dict[str, Any] = {
        "dedup_key": dedup_key,
        "account": str(fields.get("ToUserName", ""))[:64],
        "openid": str(fields.get("FromUserName", ""))[:64],
        "msg_type": msg_type[:32],
        "event": event[:64] if event else None,
        "event_key": str(event_key)[:255] if event_key else None,
        "msg_id": str(fields["MsgId"])[:32] if fields.get("MsgId") else None,
        "content": _content(fields),
        "payload": fields,
        "encrypted": encrypted,
        "sent_at": datetime.fromtimestamp(int(fields["CreateTime"]), UTC),
        "received_at": now,
        "status": InboundStatus.PROCESSING.value,
        "claimed_at": now,
        "attempts": 1,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_table).values(values).on_conflict_do_nothing(index_elements=["dedup_key"])
    new_id = (await _execute(session, stmt.returning(_c.id))).scalar_one_or_none()
    if new_id is not None:
        return Claim(new_id, True, InboundStatus.PROCESSING, None, now, 1)
    existing = await find(session, dedup_key=dedup_key)
    assert existing is not None  # the conflicting row exists: rows are never deleted here
    return existing


async def find(session: AsyncSession, *, dedup_key: str) -> Claim | None:
    """The current record of a delivery, if it was ever claimed."""
    row = (
        await _execute(
            session,
            select(_c.id, _c.status, _c.response_body, _c.claimed_at, _c.attempts).where(
                _c.dedup_key == dedup_key
            ),
        )
    ).one_or_none()
    if row is None:
        return None
    status = InboundStatus(row.status)
    return Claim(row.id, False, status, row.response_body, row.claimed_at, row.attempts)


async def take_over(
    session: AsyncSession, *, inbound_id: int, seen_attempts: int, now: datetime
) -> bool:
    """Claim a delivery whose first owner went silent; only one retry can win."""
    result = await _execute(
        session,
        update(_table)
        .where(
            and_(
                _c.id == inbound_id,
                _c.status == InboundStatus.PROCESSING.value,
                _c.attempts == seen_attempts,
            )
        )
        .values(claimed_at=now, attempts=_c.attempts + 1),
    )
    return bool(result.rowcount)


async def record_answer(
    session: AsyncSession,
    *,
    inbound_id: int,
    status: InboundStatus,
    handler: str,
    reply: str,
    response_body: str,
    now: datetime,
    error: str | None = None,
) -> bool:
    """Record the answer sent, unless another outcome was recorded first (False then)."""
    result = await _execute(
        session,
        update(_table)
        .where(and_(_c.id == inbound_id, _c.status == InboundStatus.PROCESSING.value))
        .values(
            status=status.value,
            handler=handler,
            reply=reply,
            response_body=response_body,
            replied_at=now,
            completed_at=None if status is InboundStatus.DEFERRED else now,
            error=error,
        ),
    )
    return bool(result.rowcount)


async def record_late_reply(
    session: AsyncSession, *, inbound_id: int, late_reply: str | None, now: datetime
) -> None:
    """Record what a deferred handler produced after the holding reply went out."""
    await _execute(
        session,
        update(_table)
        .where(_c.id == inbound_id)
        .values(status=InboundStatus.DONE.value, late_reply=late_reply, completed_at=now),
    )
