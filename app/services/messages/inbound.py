"""Storing inbound messages: each delivery once, with the exact answer it got."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, Table, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import DriverSQL, Standalone, dialect_name, is_database_unavailable
from app.models import InboundMessage, InboundStatus
from app.services import prompts

_table: Table = InboundMessage.__table__  # type: ignore[attr-defined]
_c = _table.c


# Built once: the hot path binds parameters into cached statements instead of rebuilding them.
_FIND = select(_c.id, _c.status, _c.response_body, _c.attempt).where(
    _c.dedup_key == bindparam("dedup_key")
)
_FIND_FOR_UPDATE = _FIND.with_for_update()  # SQLite ignores it: its writers are serial anyway
_INSERTS = {
    name: dialect.insert(_table)
    .on_conflict_do_nothing(index_elements=["dedup_key"])
    .returning(_c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


# The callback's two hot statements as asyncpg takes them (Standalone.direct).
_FIND_DRIVER = DriverSQL.of(_FIND)
# Every column but the id and the late reply (written when a deferred handler finishes): a
# column added to the table and not to record()'s values fails the first insert, never left out.
_INSERT_COLUMNS = tuple(c.name for c in _table.c if c.name not in ("id", "late_reply"))
_INSERT_DRIVER = DriverSQL.of(_INSERTS["postgresql"], _INSERT_COLUMNS)
# The same insert for one row or many, one array per column, made only while the row's sender
# has no question open. It answers with the rows stored (attempt, new id) and the rows whose
# sender has a question open (attempt, no id); a row in neither was recorded before (a retry).
# Every part of a statement reads one snapshot, so the answer stored is the one a look would
# have given; two rows with one key (a retry in the same group) are told apart by their
# attempts, and the second is not stored. Written as a union rather than a join of the
# incoming rows with the stored ones: no materialised copy, no hash join, and ~150 µs less of
# PostgreSQL's CPU a statement (measured with 6 rows).
_PG = postgresql.dialect()  # type: ignore[no-untyped-call]
_ARRAY = {
    name: f"${n}::{_c[name].type.compile(dialect=_PG)}[]"
    for n, name in enumerate(_INSERT_COLUMNS, 1)
}
_NAMES = ", ".join(_INSERT_COLUMNS)
_OPEN = f"EXISTS (SELECT FROM {prompts.TABLE} p WHERE p.openid = u.openid)"
# Only the table's own names go into the text; every value is a parameter.
_RECORD_UNLESS_PROMPTED = f"""
WITH stored AS (
    INSERT INTO {_table.name} ({_NAMES})
    SELECT {_NAMES} FROM unnest({", ".join(_ARRAY.values())}) AS u({_NAMES}) WHERE NOT {_OPEN}
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING attempt, id
)
SELECT attempt, id FROM stored
UNION ALL
SELECT u.attempt, NULL FROM unnest({_ARRAY["attempt"]}, {_ARRAY["openid"]}) AS u(attempt, openid)
WHERE {_OPEN}
"""  # noqa: S608

# A session (inside its transaction), a bare connection (autocommit: one statement, one trip),
# or the dispatcher's Standalone (the same, straight through the driver on PostgreSQL).
Database = AsyncSession | AsyncConnection | Standalone


async def _execute(
    db: Database, statement: Executable, parameters: dict[str, Any] | None = None
) -> CursorResult[Any]:
    """Run a Core statement in the session, on the connection, or standing alone."""
    if isinstance(db, Standalone):
        return await db.execute(statement, parameters)
    connection = db if isinstance(db, AsyncConnection) else await db.connection()
    return await connection.execute(statement, parameters)


@dataclass(frozen=True, slots=True)
class Answer:
    """The stored answer of a delivery: what was sent, and by which attempt."""

    id: int
    status: InboundStatus
    response_body: str
    attempt: str


def _content(fields: dict[str, Any]) -> str | None:
    """The human-readable part of a message, for the message log."""
    for name in ("Content", "Recognition", "Label", "Url", "PicUrl", "Title"):
        value = fields.get(name)
        if isinstance(value, str) and value:
            return value
    return None


async def find(session: Database, *, dedup_key: str, lock: bool = False) -> Answer | None:
    """The answer already stored for this delivery, if any (optionally locking the row)."""
    row: Sequence[Any] | None
    if isinstance(session, Standalone) and session.direct and not lock:
        row = await session.fetchrow(_FIND_DRIVER, {"dedup_key": dedup_key})
    else:
        statement = _FIND_FOR_UPDATE if lock else _FIND
        row = (await _execute(session, statement, {"dedup_key": dedup_key})).one_or_none()
    if row is None:
        return None
    inbound_id, status, response_body, attempt = row
    return Answer(inbound_id, InboundStatus(status), response_body, attempt)


def row(
    *,
    dedup_key: str,
    attempt: str,
    fields: dict[str, Any],
    msg_type: str,
    event: str | None,
    encrypted: bool,
    received_at: datetime,
    status: InboundStatus,
    handler: str,
    reply: str,
    response_body: str,
    now: datetime,
    error: str | None = None,
) -> dict[str, Any]:
    """The values of a delivery's row, with its answer (for record and its variants)."""
    event_key = fields.get("EventKey")
    return {
        "dedup_key": dedup_key,
        "attempt": attempt,
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
        "received_at": received_at,
        "status": status.value,
        "handler": handler[:128],
        "reply": reply,
        "response_body": response_body,
        "replied_at": now,
        "completed_at": None if status is InboundStatus.DEFERRED else now,
        "error": error,
    }


def _for_driver(values: dict[str, Any]) -> dict[str, Any]:
    # JSON goes as text, as SQLAlchemy's JSON type binds it.
    return values | {"payload": json.dumps(values["payload"])}


async def record(session: Database, values: dict[str, Any]) -> int | None:
    """Insert the delivery's row; None when another attempt recorded it first."""
    if isinstance(session, Standalone) and session.direct:
        inserted_id: int | None = await session.fetchval(_INSERT_DRIVER, _for_driver(values))
        return inserted_id
    dialect = dialect_name(session)
    result = await _execute(session, _INSERTS[dialect], values)
    inserted: int | None = result.scalar_one_or_none()
    return inserted


async def record_unless_prompted(
    standalone: Standalone, rows: list[dict[str, Any]]
) -> list[tuple[int | None, bool]]:
    """Insert the deliveries' rows whose senders have no question open, in one statement
    (PostgreSQL): for each row, (the new id or None, whether a question is open). Neither an id
    nor a question: another attempt recorded it first."""
    driver_rows = [_for_driver(values) for values in rows]
    columns = [[row[name] for row in driver_rows] for name in _INSERT_COLUMNS]
    found = await standalone.fetch_sql(_RECORD_UNLESS_PROMPTED, columns)
    # An id: stored. No id: a question is open. Not named at all: recorded before.
    by_attempt = {attempt: (stored, stored is None) for attempt, stored in found}
    return [by_attempt.get(values["attempt"], (None, False)) for values in rows]


# Loop turns a group waits before it leaves: requests the loop already holds (read, being
# decrypted) reach it meanwhile. Idle, that is microseconds; under load it made groups larger
# and two processes 5–10 % faster (bench/callback.py), where more turns gained nothing more.
_TURNS = 2

# A delivery's row and the future its request awaits (id or None, whether a question is open).
_Waiting = tuple[dict[str, Any], "asyncio.Future[tuple[int | None, bool]]"]


class GroupedRecords:
    """`record_unless_prompted` for the deliveries that arrive together (PostgreSQL).

    The rows that arrive while a statement is out go together in the next one: one round trip,
    one statement start and one commit (its WAL flush) for all of them. Under load that is most
    of what PostgreSQL spends on a row; a row that arrives alone is sent at once, as before.
    """

    def __init__(self, standalone: Standalone, *, most: int = 100) -> None:
        """`most`: rows in one statement at most (the rest go in the next)."""
        self._standalone = standalone
        self._most = most
        self._waiting: list[_Waiting] = []
        self._sender: asyncio.Task[None] | None = None

    async def record(self, values: dict[str, Any]) -> tuple[int | None, bool]:
        """As `record_unless_prompted` for this row, in the next statement out."""
        result: asyncio.Future[tuple[int | None, bool]] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, result))
        if self._sender is None:
            # A task runs on the loop's next turn: rows that arrive meanwhile go with this one.
            self._sender = asyncio.create_task(self._send_all())
        return await result

    async def _send_all(self) -> None:
        group: list[_Waiting] = []
        try:
            while self._waiting:
                for _ in range(_TURNS):
                    await asyncio.sleep(0)
                group, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                await self._send(group)
        except BaseException:  # cancelled (the loop is closing): no request may wait forever
            for _, result in group + self._waiting:
                result.cancel()
            self._waiting = []
            raise
        finally:
            self._sender = None

    async def _send(self, group: list[_Waiting]) -> None:
        try:
            answers = await record_unless_prompted(
                self._standalone, [values for values, _ in group]
            )
        except Exception as exc:
            if len(group) > 1 and not is_database_unavailable(exc):
                # A row the server refused must not fail the others: each goes on its own.
                await asyncio.gather(*(self._send([waiting]) for waiting in group))
                return
            for _, result in group:
                if not result.done():
                    result.set_exception(exc)
            return
        for (_, result), answer in zip(group, answers, strict=True):
            if not result.done():  # its request may have gone away
                result.set_result(answer)


async def complete_deferred(
    session: Database,
    *,
    inbound_id: int,
    late_reply: str | None,
    now: datetime,
    error: str | None = None,
) -> None:
    """Record what a deferred handler produced after its holding reply went out."""
    await _execute(
        session,
        update(_table)
        .where(and_(_c.id == inbound_id, _c.status == InboundStatus.DEFERRED.value))
        .values(
            status=InboundStatus.FAILED.value if error else InboundStatus.DONE.value,
            late_reply=late_reply,
            completed_at=now,
            error=error,
        ),
    )


@dataclass(frozen=True, slots=True)
class Stale:
    """A delivery still `deferred` long after its holding reply: its process likely died."""

    id: int
    attempt: str
    openid: str
    received_at: datetime


async def stale_deferred(
    session: Database, *, before: datetime, after: datetime, limit: int = 100
) -> list[Stale]:
    """Deferred deliveries received between `after` and `before` (oldest first)."""
    statement = (
        select(_c.id, _c.attempt, _c.openid, _c.received_at)
        .where(
            _c.status == InboundStatus.DEFERRED.value,
            # The received_at index bounds the scan to the window, not the whole message log.
            _c.received_at < before,
            _c.received_at >= after,
        )
        .order_by(_c.received_at)
        .limit(limit)
    )
    rows = (await _execute(session, statement)).all()
    return [Stale(r.id, r.attempt, r.openid, r.received_at) for r in rows]


async def claim_stale(
    session: Database, *, stale: Stale, now: datetime, error: str, late_reply: str | None
) -> bool:
    """Take a stale deferred delivery over, if it is still the same attempt's and deferred.

    The row gets a new attempt id: should its handler still be alive after all, its late
    result finds the row no longer its own and gives way, so the member is answered once.
    """
    result = await _execute(
        session,
        update(_table)
        .where(
            and_(
                _c.id == stale.id,
                _c.status == InboundStatus.DEFERRED.value,
                _c.attempt == stale.attempt,
            )
        )
        .values(
            status=InboundStatus.FAILED.value,
            attempt=uuid.uuid4().hex,
            late_reply=late_reply,
            completed_at=now,
            error=error,
        ),
    )
    return bool(result.rowcount == 1)
