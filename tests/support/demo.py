"""The demo seeded once per worker: a later test gets a copy of the rows, not a re-seed.

seed() runs every feature's seeder through the services (seconds); on PostgreSQL the first
test to ask seeds and copies every table out (COPY … binary), and a later test copies them
back in (milliseconds). What the seed computed from its own clock stays true for a while: its
windows are days long but for the meeting to try, 20 minutes after the seed; so a copy serves
for ten minutes of the same China day. SQLite or an older copy: seed() as before.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from app.dev.demo import seed
from app.models import Person, metadata
from app.models.types import CHINA, utcnow
from tests.support.app import AppClient

# Seconds a copy serves: well inside the 20 minutes before the demo's meeting to try starts.
FRESH_FOR = 600


@dataclass
class _Copy:
    """Every table's rows as COPY wrote them, and where each sequence stood."""

    day: date  # China time, when it was seeded
    taken: float
    tables: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)


_copies: dict[str, _Copy] = {}  # by database URL (one per backend and worker)

_SEQUENCES = (
    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


async def _driver(engine: AsyncEngine, work: Any) -> Any:
    """Run `work(asyncpg connection)` on one of the engine's connections, in a transaction."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg: Any = raw.driver_connection
        async with pg.transaction():
            return await work(pg)


async def _take(engine: AsyncEngine, day: date) -> _Copy:
    copy = _Copy(day, time.monotonic())

    async def work(pg: Any) -> None:
        for table in metadata.sorted_tables:
            out = io.BytesIO()
            status = await pg.copy_from_table(table.name, output=out, format="binary")
            if status != "COPY 0":
                copy.tables[table.name] = out.getvalue()
        copy.sequences = dict(await pg.fetch(_SEQUENCES))

    await _driver(engine, work)
    return copy


async def _put_back(engine: AsyncEngine, copy: _Copy) -> None:
    async def work(pg: Any) -> None:
        # As the suite's truncate: foreign keys unchecked while the rows go in, in any order.
        await pg.execute("SET LOCAL session_replication_role = replica")
        for table, data in copy.tables.items():
            await pg.copy_to_table(table, source=io.BytesIO(data), format="binary")
        for sequence, value in copy.sequences.items():
            await pg.execute("SELECT setval($1::regclass, $2)", sequence, value)

    await _driver(engine, work)


def _today() -> date:
    return utcnow().astimezone(CHINA).date()


async def _empty(client: AppClient) -> bool:
    async with client.sessions() as session:
        return (await session.exec(select(Person.id).limit(1))).first() is None


async def seed_demo(client: AppClient) -> None:
    """The demo in the test's (empty) database, as `await seed(client.settings)` leaves it."""
    engine: AsyncEngine = client.state.engine
    url = client.settings.database_url
    if engine.dialect.name != "postgresql" or not await _empty(client):
        await seed(client.settings)
        return
    copy = _copies.get(url)
    if copy is not None and copy.day == _today() and time.monotonic() - copy.taken < FRESH_FOR:
        await _put_back(engine, copy)
        return
    day = _today()
    await seed(client.settings)
    _copies[url] = await _take(engine, day)
