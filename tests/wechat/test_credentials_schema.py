"""The credential and lease tables: migration 0002 builds exactly what the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.db import create_engine
from app.models import metadata
from tests.support.plugin import Backend

TABLES = {"wechat_credential", "wechat_lease"}


def _touches(diff: Any, tables: set[str]) -> bool:
    """Whether one autogenerate difference concerns one of the tables."""
    if isinstance(diff, list):  # column-level changes come grouped in a list
        return any(_touches(d, tables) for d in diff)
    for part in diff:
        table = getattr(part, "table", None)
        if getattr(part, "name", None) in tables or getattr(table, "name", None) in tables:
            return True
        if isinstance(part, str) and part in tables:
            return True
    return False


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, metadata) if _touches(d, TABLES)]


async def test_migrations_match_the_models(backend: Backend) -> None:
    engine = create_engine(backend.database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert names >= TABLES
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
