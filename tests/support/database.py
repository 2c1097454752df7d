"""Service-level tests in a transaction rolled back at the end, without building the app.

`db_session` (one session) and `db_sessions` (a session factory, for tests that open several
units of work) share one connection to the worker's migrated database (`backend`), inside an
outer transaction that is rolled back when the test ends. Every session joins it with
join_transaction_mode="create_savepoint": what the services flush, and what a unit of work
commits, only ever reaches a SAVEPOINT, so nothing is left behind and nothing is TRUNCATEd.

Not for code that opens its own connections (the app's engine, the dispatcher, concurrency
tests): that cannot see the uncommitted rows; such tests keep `client`.

PostgreSQL: now() is the time the outer transaction began, so it stands still during a test;
the services take their time from the clock they are given, not from the database. Sequences
are not rolled back: do not assert on ids, only on their order.

SQLite: aiosqlite (pysqlite underneath) starts transactions lazily and ignores SAVEPOINT
bookkeeping, so the engine gets SQLAlchemy's documented workaround ("Serializable isolation /
Savepoints / Transactional DDL"): the driver's own transaction handling is switched off
(isolation_level=None) and SQLAlchemy emits BEGIN itself when the outer transaction begins.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.support.plugin import Backend

Sessions = async_sessionmaker[AsyncSession]
"""What `db_sessions` is: pass it where the app's `app.state.sessions` went."""


@pytest.fixture(scope="session")
async def db_engine(backend: Backend) -> AsyncIterator[AsyncEngine]:
    """One engine per worker and backend, on the database `backend` migrated."""
    from app.db import create_engine

    engine = create_engine(backend.database_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_driver_transactions(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # pysqlite: no implicit BEGIN, no COMMIT before DDL

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(db_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction, rolled back when the test ends."""
    async with db_engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
def db_sessions(db_connection: AsyncConnection) -> Sessions:
    """Sessions on the test's connection; their commits only release a SAVEPOINT."""
    return async_sessionmaker(
        bind=db_connection,
        class_=AsyncSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@pytest.fixture
async def db_session(db_sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One session on the test's connection, for service code (which flushes, never commits)."""
    async with db_sessions() as session:
        yield session


async def count_in(sessions: Sessions, model: Any, *where: Any) -> int:
    """How many rows of a table (matching the conditions) the test's transaction holds."""
    async with sessions() as session:
        statement = select(func.count()).select_from(model)
        for condition in where:
            statement = statement.where(condition)
        return int((await session.exec(statement)).one())
