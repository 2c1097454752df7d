"""The migrations build the schema from empty, agree with the models, and go down again."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

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


async def _run(database_url: str, *statements: tuple[str, dict[str, object]]) -> list[Any]:
    """Run SQL in one transaction; the last statement's rows."""
    engine = create_engine(database_url)
    rows: list[Any] = []
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                rows = list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()
    return rows


def test_thought_report_photos_move_to_the_attachment_store_and_back(
    scratch_database: str,
) -> None:
    migrate(scratch_database, "0017")
    jsonb = "CAST(:photos AS JSONB)" if "postgresql" in scratch_database else ":photos"
    photos = json.dumps(
        [{"url": "http://mmbiz.qpic.cn/1.jpg", "media_id": "m1"}, {"url": "", "media_id": "m2"}]
    )
    asyncio.run(
        _run(
            scratch_database,
            (
                "INSERT INTO person (id, employee_no, name, is_manager, stage, status, created_at,"
                " updated_at) VALUES (1, 'P1', '宋佳', false, 'activist', 'active', :at, :at)",
                {"at": datetime(2026, 1, 1, tzinfo=UTC)},
            ),
            (
                "INSERT INTO admission_file (id, person_id, historical, status,"
                " probation_extension_months, created_at, updated_at)"
                " VALUES (1, 1, false, 'open', 0, :at, :at)",
                {"at": datetime(2026, 1, 1, tzinfo=UTC)},
            ),
            (
                "INSERT INTO thought_report (id, file_id, quarter, submitted_at, via, photos)"
                f" VALUES (7, 1, '2026Q4', :at, 'chat', {jsonb})",
                {"at": datetime(2026, 12, 1, tzinfo=UTC), "photos": photos},
            ),
            (
                "INSERT INTO thought_report_photo (report_id, media_id, content, content_type,"
                " attempts) VALUES (7, 'm1', :jpeg, 'image/jpeg', 1)",
                {"jpeg": b"\xff\xd8\xff kept"},
            ),
        )
    )
    migrate(scratch_database)
    moved = asyncio.run(
        _run(
            scratch_database,
            (
                "SELECT a.media_id, a.url, a.content, a.attempts, r.photo_count FROM attachment a"
                " JOIN thought_report r ON r.id = a.owner_id"
                " WHERE a.owner_kind = 'thought_report' ORDER BY a.id",
                {},
            ),
        )
    )
    assert [tuple(row) for row in moved] == [
        ("m1", "http://mmbiz.qpic.cn/1.jpg", b"\xff\xd8\xff kept", 1, 2),
        ("m2", None, None, 0, 2),
    ]
    migrate(scratch_database, "0017", down=True)
    back = asyncio.run(
        _run(scratch_database, ("SELECT media_id, content FROM thought_report_photo", {}))
    )
    assert [tuple(row) for row in back] == [("m1", b"\xff\xd8\xff kept"), ("m2", None)]
