"""The demo seeded once per test module: its later tests get a copy of the rows, not a re-seed.

seed() runs every feature's seeder through the services (seconds); on PostgreSQL the module's
first test seeds and copies every table out (COPY … binary), and a later test of the module
within a minute copies them back in (milliseconds). The minute keeps what the seed computed
from its own clock ("a meeting in 20 minutes", "this year") true for the tests that read it.
SQLite, a later module, or an older copy: seed() as before.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.dev.demo import seed
from app.models import metadata
from tests.support.app import AppClient

# Seconds a copy serves the module's later tests (they run one after another).
FRESH_FOR = 60


@dataclass
class _Copy:
    """Every table's rows as COPY wrote them, and where each sequence stood."""

    module: str
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


async def _take(engine: AsyncEngine, module: str) -> _Copy:
    copy = _Copy(module, time.monotonic())

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


async def seed_demo(client: AppClient, module: str) -> None:
    """The demo in the test's (empty) database, as `await seed(client.settings)` leaves it."""
    engine: AsyncEngine = client.state.engine
    url = client.settings.database_url
    if engine.dialect.name != "postgresql":
        await seed(client.settings)
        return
    copy = _copies.get(url)
    if copy is not None and copy.module == module and time.monotonic() - copy.taken < FRESH_FOR:
        await _put_back(engine, copy)
        return
    await seed(client.settings)
    _copies[url] = await _take(engine, module)
