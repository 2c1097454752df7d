"""The migrations build the schema from empty, agree with the models, and go down again."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import create_engine
from app.models import metadata
from tests.support.plugin import Backend, create_pg_database, drop_pg_database, migrate

# Migrations are dialect-specific DDL: each database is built and torn down by them.
pytestmark = pytest.mark.both_databases


async def _differences(database_url: str) -> list[object]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()


def test_models_and_migrations_agree(backend: Backend):
    differences = asyncio.run(_differences(backend.database_url))
    assert differences == [], f"models and migrations disagree: {differences}"


@pytest.fixture
def scratch_database(backend: Backend, tmp_path):
    if backend.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = create_pg_database()
    yield backend.database_url.rsplit("/", 1)[0] + f"/{name}"
    drop_pg_database(name)


def test_downgrade_to_empty_and_back(scratch_database: str):
    migrate(scratch_database)
    migrate(scratch_database, "base")
    migrate(scratch_database)
    assert asyncio.run(_differences(scratch_database)) == []
