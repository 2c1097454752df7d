"""The database engine and units of work: the only place that commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import URL, CursorResult, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

# A server that is restarting answers new connections with these SQLSTATEs (class 08: connection
# exceptions; 57P01-03: shut down by the admin or a crash, "the database system is starting up"),
# which SQLAlchemy's asyncpg dialect maps to a plain DBAPIError not marked as a lost connection.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_ASYNCPG = asyncpg_dialect()  # type: ignore[no-untyped-call]
# A dead server must fail fast (→ 503, WeChat retries), not hang past its 5 s deadline.
_CONNECT_TIMEOUT = 3
_COMMAND_TIMEOUT = 10
_POOL_TIMEOUT = 5
# Standalone statements' own connections per process, beside the engine's pool (20 + 10).
_STANDALONE_CONNECTIONS = 10
_GENERIC_PLANS = {"plan_cache_mode": "force_generic_plan"}


def is_database_unavailable(exc: BaseException) -> bool:
    """True when the database is not there right now (retry later), as opposed to a bug."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
        return bool(exc.connection_invalidated) or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return isinstance(exc, OSError | TimeoutError | ConnectionError)


def _connection_lost(exc: BaseException) -> bool:
    """A driver error (asyncpg's own, not SQLAlchemy's) meaning the connection or server is gone."""
    if isinstance(exc, asyncpg.InterfaceError | OSError | TimeoutError):
        return True
    sqlstate = str(getattr(exc, "sqlstate", None) or "")
    return isinstance(exc, asyncpg.PostgresError) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def async_url(database_url: str) -> URL:
    """Map the contract's plain URL (sqlite:///…, postgresql://…) to its async driver."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database backend: {backend}")


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL; SQLite gets WAL and a busy timeout for concurrent writers."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            # Best effort: an unwritable path should surface as "not ready", not a crash here.
            with contextlib.suppress(OSError):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    return create_async_engine(
        url,
        pool_size=20,
        max_overflow=10,
        # No pre-ping: it costs a round trip per checkout on the hot path. A connection the
        # server dropped fails on first use, invalidates the pool, and the dispatcher retries once.
        pool_timeout=_POOL_TIMEOUT,
        connect_args={"timeout": _CONNECT_TIMEOUT, "command_timeout": _COMMAND_TIMEOUT},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session, commit when the block succeeds, roll back when it raises."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def execute(
    session: AsyncSession, statement: Executable, parameters: Any = None
) -> CursorResult[Any]:
    """Run a Core statement (executemany given a list) in the session's transaction."""
    return await (await session.connection()).execute(statement, parameters)


@dataclass(frozen=True, slots=True)
class DriverSQL:
    """A Core statement compiled once the way SQLAlchemy hands it to asyncpg: the same SQL and
    the order of its $n parameters (values given as SQLAlchemy binds them: JSON as text)."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement, columns: Sequence[str] | None = None) -> DriverSQL:
        """Compile `statement` (an insert: for these `columns`) for asyncpg."""
        compiled = cast(
            SQLCompiler,
            statement.compile(dialect=_ASYNCPG, column_keys=list(columns or ()) or None),
        )
        names = tuple(compiled.positiontup or ())
        return cls(str(compiled), names, dict(compiled.params))

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for these named values (literals compiled in as fixed)."""
        return [values[name] if name in values else self.fixed[name] for name in self.names]


class _DriverConnections:
    """asyncpg connections for standalone statements, kept on a stack.

    Measured here (uvloop): a statement costs about 60 µs of CPU on its connection; taking and
    giving back a connection from SQLAlchemy's pool adds about 300 µs (its Connection, events,
    isolation level and reset), and asyncpg's own pool about 80 µs (a task shields each
    release). A stack and a semaphore add about 15 µs. A connection whose statement failed in
    any way but a server-reported error is closed: its state is unknown.
    """

    def __init__(self, connect_args: dict[str, Any], size: int) -> None:
        """`connect_args`: asyncpg.connect's keywords, from the engine's URL."""
        self._connect_args = connect_args
        self._free: list[asyncpg.Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def run(self, method: str, sql: str, args: Sequence[Any]) -> Any:
        """Run one statement (`fetchval`, `fetchrow`, …) on a connection taken for it."""
        connection = await self._take()
        reusable = True
        try:
            return await getattr(connection, method)(sql, *args)
        except BaseException as exc:
            # A statement the server refused leaves the connection as it was; anything else
            # (lost, cancelled mid-statement) leaves it in a state nobody knows.
            if not isinstance(exc, asyncpg.PostgresError) or _connection_lost(exc):
                reusable = False
                connection.terminate()
            raise
        finally:
            if reusable:
                self._free.append(connection)
            self._slots.release()

    async def _take(self) -> asyncpg.Connection:
        if self._slots.locked():  # every connection busy: wait, as long as the pool would
            async with asyncio.timeout(_POOL_TIMEOUT):
                await self._slots.acquire()
        else:
            await self._slots.acquire()
        try:
            while self._free:
                connection = self._free.pop()
                if not connection.is_closed():
                    return connection
            return await asyncpg.connect(**self._connect_args)
        except BaseException as exc:
            self._slots.release()
            if isinstance(exc, Exception) and _connection_lost(exc):
                # Not reached at all (refused, timed out, starting up): no retry fares better.
                raise OperationalError("connect", None, exc) from exc
            raise

    def drop_idle(self) -> None:
        """Close the connections not in use (the server restarted: they are dead too)."""
        free, self._free = self._free, []
        for connection in free:
            connection.terminate()

    async def close(self) -> None:
        """Close the connections not in use, politely."""
        free, self._free = self._free, []
        for connection in free:
            with contextlib.suppress(Exception):
                await connection.close(timeout=1)


class Standalone:
    """Statements that stand alone, each autocommitted on a connection taken for it and given
    back at once.

    A look that decides whether a transaction is needed, or one insert, costs one round trip
    this way instead of BEGIN, the statement and COMMIT in a session: on the callback path each
    round trip costs more CPU (the loopback send) than the statement. On PostgreSQL they go
    straight to asyncpg on connections of their own (`_DriverConnections`). No connection is
    held between statements, so a caller whose session takes one meanwhile never holds two:
    with every connection held by a caller waiting for a second, a pool would deadlock.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        """`engine`: the app's; its autocommit form and the driver's connections are made here."""
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._driver: _DriverConnections | None = None
        if engine.dialect.name == "postgresql":
            _, from_url = engine.dialect.create_connect_args(engine.url)
            connect_args = {**from_url, "timeout": _CONNECT_TIMEOUT}
            connect_args["command_timeout"] = _COMMAND_TIMEOUT
            # These connections run only the callback's prepared statements, whose best plan
            # never depends on the values. Left to choose, PostgreSQL re-plans the grouped
            # insert every time (its custom plan counts the arrays' rows; the generic one
            # guesses): ~150 µs of its CPU a statement, measured.
            settings = {**from_url.get("server_settings", {}), **_GENERIC_PLANS}
            connect_args["server_settings"] = settings
            self._driver = _DriverConnections(connect_args, _STANDALONE_CONNECTIONS)

    @property
    def direct(self) -> bool:
        """Whether statements go straight to the driver (asyncpg, on PostgreSQL)."""
        return self._driver is not None

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        """Run a Core statement through SQLAlchemy (its result is buffered: read it after)."""
        async with self.engine.connect() as connection:
            return await connection.execute(statement, parameters)

    async def fetchval(self, statement: DriverSQL, values: Mapping[str, Any]) -> Any:
        """The first value of the statement's first row, straight through asyncpg."""
        return await self._direct("fetchval", statement.sql, statement.args(values))

    async def fetchrow(self, statement: DriverSQL, values: Mapping[str, Any]) -> Any:
        """The statement's first row (None: no row), straight through asyncpg."""
        return await self._direct("fetchrow", statement.sql, statement.args(values))

    async def fetch_sql(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """All rows of a statement written for asyncpg ($n parameters), straight through it."""
        rows: list[Any] = await self._direct("fetch", sql, args)
        return rows

    async def close(self) -> None:
        """Close the driver's idle connections (new ones are made if statements follow)."""
        if self._driver is not None:
            await self._driver.close()

    async def _direct(self, method: str, sql: str, args: Sequence[Any]) -> Any:
        """Run on one of the driver's connections. A lost connection is raised as SQLAlchemy's
        invalidated OperationalError, as any statement's would be, without the parameters (they
        carry what members wrote); a server that cannot be reached, as its OperationalError."""
        assert self._driver is not None, "direct statements are for PostgreSQL"
        try:
            return await self._driver.run(method, sql, args)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if not _connection_lost(exc):
                raise
            self._driver.drop_idle()
            # The engine's pooled connections died with these (a restart): let SQLAlchemy meet
            # that now and refresh its pool, so the retry's session does not take a dead one.
            with contextlib.suppress(Exception):
                async with self.engine.connect() as connection:
                    await connection.exec_driver_sql("SELECT 1")
            raise OperationalError(sql, None, exc, connection_invalidated=True) from exc


def dialect_name(db: AsyncSession | AsyncConnection | Standalone) -> str:
    """The database kind of a session, a connection or standalone statements (a session's
    transaction is not begun to find out)."""
    bind = db.bind if isinstance(db, AsyncSession) else db.engine
    return bind.dialect.name if bind is not None else "postgresql"


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
