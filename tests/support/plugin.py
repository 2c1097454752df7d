"""Test set-up: real databases built by the migrations, on PostgreSQL + Redis and on SQLite.

Each test runs on one database: PostgreSQL (the production database) when it is there, which
CI=true requires; SQLite on a laptop without it. Tests of what the two databases do
differently (locking, SKIP LOCKED, advisory locks, constraints under concurrency, migrations)
are marked `both_databases` and run on each; without PostgreSQL their PostgreSQL half is
skipped, with the reason in pytest's summary.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, text
from sqlmodel import select

from app.config import Settings
from tests.support.app import AppClient, MakeClient
from tests.support.wechat_peer import Mode, WeChatPeer

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_HOST, PG_PORT = os.environ.get("TEST_PG_HOST", "127.0.0.1"), 5432
REDIS_HOST, REDIS_PORT = os.environ.get("TEST_REDIS_HOST", "127.0.0.1"), 6379
# Keys looked at per SCAN round trip when cleaning up. The machine's Redis is shared and may
# hold tens of thousands of other keys; at SCAN's default of 10 a test's clean-up took ~3,000
# round trips (about a second) to find its own few.
SCAN_BATCH = 1000


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _missing(what: str, host: str, port: int) -> None:
    message = f"{what} not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}: CI requires it", pytrace=False)
    pytest.skip(f"{message}; these tests ran on SQLite only")


@dataclass(frozen=True)
class Backend:
    """One database (and optionally Redis) the suite runs against."""

    name: str
    database_url: str
    redis_url: str | None
    redis_prefix: str


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def migrate(database_url: str, revision: str = "head", *, down: bool = False) -> None:
    """Build or move a database with the real Alembic migrations (`down` to an earlier one)."""
    from alembic import command
    from app.cli.common import alembic_config

    config = alembic_config(database_url)
    config.attributes["configure_logger"] = False
    if down or revision == "base":
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def create_pg_database() -> str:
    name = f"shente_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _clean_redis(prefix: str) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    keys = list(client.scan_iter(match=f"{prefix}*", count=SCAN_BATCH))
    if keys:
        client.delete(*keys)
    client.close()


def _primary_backend() -> str:
    """PostgreSQL when CI requires it or it is reachable; SQLite otherwise."""
    return "postgresql" if IN_CI or _reachable(PG_HOST, PG_PORT) else "sqlite"


PRIMARY_BACKEND = _primary_backend()


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database the suite runs on, before anything runs."""
    if PRIMARY_BACKEND == "postgresql":
        return "databases: PostgreSQL + Redis; SQLite too for tests marked both_databases"
    return (
        f"databases: SQLite only (PostgreSQL not reachable at {PG_HOST}:{PG_PORT}); "
        "the PostgreSQL half of both_databases tests and postgres_only tests are skipped"
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collect garbage as the app does once started (app.main's lifespan): frozen, less often."""
    # What collection loaded (modules, the app built at import, the test items) lives as long
    # as the worker: frozen, full collections stop walking it. Tests make thousands of
    # short-lived objects a request, and the heap grows (SQLAlchemy's statement caches): at
    # the default thresholds, collecting took 5.6 s of a 37.5 s run of two directories.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test on the primary database, or on both when it is marked both_databases."""
    if "backend" not in metafunc.fixturenames:
        return
    both = metafunc.definition.get_closest_marker("both_databases") is not None
    names = ["sqlite", "postgresql"] if both else [PRIMARY_BACKEND]
    metafunc.parametrize("backend", names, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A migrated database per backend for the whole run, dropped at the end."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "shente.db"
        url = f"sqlite:///{path}"
        migrate(url)
        yield Backend("sqlite", url, None, "")
        return
    if not _reachable(PG_HOST, PG_PORT):
        _missing("PostgreSQL", PG_HOST, PG_PORT)
    if not _reachable(REDIS_HOST, REDIS_PORT):
        _missing("Redis", REDIS_HOST, REDIS_PORT)
    name = create_pg_database()
    prefix = f"shente-test-{uuid.uuid4().hex[:8]}:"
    try:
        url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"
        migrate(url)
        yield Backend("postgresql", url, f"redis://{REDIS_HOST}:{REDIS_PORT}/0", prefix)
    finally:
        drop_pg_database(name)
        _clean_redis(prefix)


class Clock:
    """A clock the tests move by hand; it starts at the real time."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def set(self, when: datetime | float) -> None:
        self.current = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def peer(clock: Clock) -> WeChatPeer:
    """WeChat's side, with fresh random credentials for every test."""
    return WeChatPeer(now=clock().timestamp())


@pytest.fixture
def settings_for(backend: Backend, peer: WeChatPeer) -> Callable[..., Settings]:
    """Settings for the backend and the peer's credentials, with overrides."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "app_env": "test",
            "database_url": backend.database_url,
            "redis_url": backend.redis_url,
            "redis_key_prefix": backend.redis_prefix or "shente-test:",
            "wechat_app_id": peer.app_id,
            "wechat_token": peer.token,
            "wechat_encoding_aes_key": peer.aes_key,
            "log_level": "WARNING",
            # Tests run at any hour; the quiet-hours tests switch them on with their own clock.
            "quiet_hours": "off",
            # The callback tests speak all three modes; production defaults to safe.
            "wechat_message_mode": "compatible",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


# Each test's app has its own engine, so emptying the database through it ran on a new server
# process, which first loaded the catalog of all ~75 tables it deleted from: ~25 ms of a ~35 ms
# clean-up per test. On one connection kept for the run, with the statement built once, it is
# one round trip of a few ms.
class Eraser:
    """Empties the PostgreSQL test database between tests, over one connection kept all run."""

    def __init__(self, conn: asyncpg.Connection, sequences: list[str]) -> None:
        self.conn = conn
        from app.models import metadata

        # A test leaves a few rows: deleting them is ~15x faster than TRUNCATE (which makes
        # new files for every table), 4 ms against 70 ms. The foreign-key triggers are off
        # (session_replication_role, set for this connection: the suite connects as the
        # superuser), and every sequence starts again at 1, as TRUNCATE … RESTART IDENTITY did.
        deletes = [f"DELETE FROM {t.name};" for t in reversed(metadata.sorted_tables)]
        restarts = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
        self.script = " ".join(deletes) + (f" SELECT {restarts};" if restarts else "")

    @classmethod
    async def connect(cls, database_url: str) -> Eraser:
        """A connection to the migrated database, its sequences read once."""
        conn = await asyncpg.connect(database_url)
        await conn.execute("SET session_replication_role = replica")
        sequences = await conn.fetch(
            "SELECT c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
        return cls(conn, [row["name"] for row in sequences])

    async def erase(self) -> None:
        """Delete every row and restart every sequence, in one transaction."""
        async with self.conn.transaction():
            await self.conn.execute(self.script)


@pytest.fixture(scope="session")
async def eraser(backend: Backend) -> AsyncIterator[Eraser | None]:
    """The worker's Eraser for a PostgreSQL backend; None on SQLite (`truncate` empties it)."""
    if backend.name != "postgresql":
        yield None
        return
    kept = await Eraser.connect(backend.database_url)
    yield kept
    await kept.conn.close()


async def empty(app: FastAPI, eraser: Eraser | None) -> None:
    """Empty the test database the app works on, so the next test starts clean."""
    if eraser is not None:
        await eraser.erase()
    else:
        await truncate(app)


@pytest.fixture
async def make_client(
    settings_for: Callable[..., Settings], clock: Clock, backend: Backend, eraser: Eraser | None
) -> AsyncIterator[MakeClient]:
    """Build an app (with optional settings overrides and router) and an HTTP client for it."""
    from app.main import create_app

    apps: list[FastAPI] = []
    clients: list[AppClient] = []

    async def make(*, router: Any = None, followups: Any = None, **overrides: Any) -> AppClient:
        app = create_app(settings_for(**overrides), router=router, clock=clock, followups=followups)
        apps.append(app)
        client = AppClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
    for app in apps:
        await app.state.broadcasts.stop(5)
        await app.state.imports.stop(5)
        await app.state.dispatcher.drain(5)
        if app.state.redis is not None:
            matching = app.state.redis.scan_iter(match=f"{backend.redis_prefix}*", count=SCAN_BATCH)
            keys = [k async for k in matching]
            if keys:
                await app.state.redis.delete(*keys)
            await app.state.redis.aclose()
        if app.state.settings.database_url == backend.database_url:
            await empty(app, eraser)  # apps pointed elsewhere (a proxy, a dead port) own no data
        await app.state.engine.dispose()


async def truncate(app: FastAPI) -> None:
    """Empty every SQLite table so the next test starts clean (the schema stays migrated)."""
    from app.models import metadata

    tables = [t.name for t in reversed(metadata.sorted_tables)]
    # Self-references (org_unit.parent_id) make row order matter; switch checks off.
    async with app.state.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            await conn.execute(text(f"DELETE FROM {table}"))
        await conn.commit()
        await conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
async def client(make_client: MakeClient) -> AppClient:
    """A client for the app with default test settings."""
    return await make_client()


async def count_rows(client: AppClient, model: Any, *where: Any) -> int:
    """How many rows of a table (matching the conditions) the app's database holds."""
    async with client.sessions() as session:
        stmt = select(func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int((await session.exec(stmt)).one())


async def post(
    client: httpx.AsyncClient, peer: WeChatPeer, xml: str, mode: Mode = "safe", **kwargs: Any
) -> httpx.Response:
    """POST a message to /wechat as WeChat would in the given mode."""
    params, body = peer.request(xml, mode, **kwargs)
    return await client.post(
        "/wechat", params=params, content=body, headers={"content-type": "text/xml"}
    )


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
async def proxied(
    backend: Backend, make_client: MakeClient, eraser: Eraser | None
) -> AsyncIterator[Any]:
    """An app whose PostgreSQL connections go through a proxy the test can cut and restore."""
    from sqlalchemy.engine import make_url

    from tests.support.tcp_proxy import TcpProxy

    if backend.name != "postgresql":
        pytest.skip("the network cut is simulated on PostgreSQL; SQLite is a local file")
    url = make_url(backend.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    client = await make_client(database_url=url.set(port=proxy.port).render_as_string(False))
    yield client, proxy
    await proxy.start() if proxy._server is None else None
    await empty(client.app, eraser)
    await proxy.stop()
