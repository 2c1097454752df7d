"""Backups on SQLite (the dev default), the Alembic revision check on restore, retention's
weekly rule, and the scheduler's daily `housekeeping.backup` at BACKUP_TIME."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.models.types import CHINA
from app.services import backups
from app.services.backups import Backup
from tests.infra.test_backup import shente
from tests.support.app import MakeClient
from tests.support.chat import run_job
from tests.support.plugin import Clock, migrate


def _env(database: Path, backup_dir: Path) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "DATABASE_URL": f"sqlite:///{database}",
        "BACKUP_DIR": str(backup_dir),
        "LOG_LEVEL": "WARNING",
    }


def _revision(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


async def test_an_older_sqlite_backup_is_restored_and_migrated_a_newer_one_refused(
    tmp_path: Path,
) -> None:
    source, backup_dir = tmp_path / "source.db", tmp_path / "backups"
    await asyncio.to_thread(migrate, f"sqlite:///{source}", "0020")  # before the latest
    with sqlite3.connect(source) as connection:
        connection.execute(
            "INSERT INTO org_unit (name, kind, sort_order, created_at)"
            " VALUES ('一支部', 'branch', 1, '2026-01-01 00:00:00')"
        )
    code, out = await shente(_env(source, backup_dir), "backup")
    assert code == 0 and "备份完成" in out, out
    [made] = backups.backups_in(backup_dir)
    assert made.path.suffix == ".sqlite"

    target = tmp_path / "restored.db"
    code, out = await shente(_env(target, backup_dir), "restore", str(made.path))
    assert code == 0 and "已迁移：0020 →" in out, out
    head = _revision(target)
    assert head != "0020"
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT name FROM org_unit").fetchall() == [("一支部",)]

    code, out = await shente(_env(target, backup_dir), "restore", str(made.path))
    assert code == 2 and "拒绝恢复" in out, out  # the target has tables now

    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(made.path.read_bytes())
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    empty = tmp_path / "empty.db"
    code, out = await shente(_env(empty, backup_dir), "restore", str(newer))
    assert code == 2 and "9999_future" in out and "比当前代码新" in out, out
    assert not empty.exists()  # refused before anything was written

    code, out = await shente(_env(empty, backup_dir), "restore", str(tmp_path / "source.db-x"))
    assert code == 2 and "读不到备份文件" in out, out


def test_retention_keeps_the_newest_and_one_a_week() -> None:
    start = datetime(2026, 11, 1, 19, 30, tzinfo=UTC)  # Monday 2 November, 03:30 China
    daily = [Backup(Path(f"b{day}"), start + timedelta(days=day)) for day in range(30)]
    newest_first = list(reversed(daily))

    removed = backups.expired(newest_first, keep=14)
    assert [b.path.name for b in removed] == [f"b{day}" for day in reversed(range(16))]

    # As restic's --keep-weekly: the newest of each of the 3 newest weeks that have one, beside
    # the newest 7. Day 0 is a Monday: weeks are days 28-29, 21-27 and 14-20.
    removed = backups.expired(newest_first, keep=7, keep_weekly=3)
    kept = {b.path.name for b in newest_first} - {b.path.name for b in removed}
    assert kept == {f"b{day}" for day in range(23, 30)} | {"b20"}


async def test_the_scheduler_backs_up_once_a_day_at_backup_time(
    make_client: MakeClient, clock: Clock, tmp_path: Path
) -> None:
    off = await make_client(backup_dir=str(tmp_path / "off"))
    run = await run_job(off, "housekeeping.backup")
    assert run.outcome == "idle" and not (tmp_path / "off").exists()

    client = await make_client(backup_time="03:30", backup_dir=str(tmp_path), backup_keep=2)
    day = datetime(2026, 12, 7, tzinfo=CHINA)
    clock.set(day.replace(hour=2))  # none yet: the one missed yesterday at 03:30 is made now
    first = await run_job(client, "housekeeping.backup")
    assert first.outcome == "ok" and "已备份" in (first.detail or "")
    clock.set(day.replace(hour=2, minute=50))
    assert (await run_job(client, "housekeeping.backup")).outcome == "idle"
    clock.set(day.replace(hour=3, minute=40))
    assert (await run_job(client, "housekeeping.backup")).outcome == "ok"
    clock.set(day.replace(hour=23))
    assert (await run_job(client, "housekeeping.backup")).outcome == "idle"
    taken = [b.taken_at for b in backups.backups_in(tmp_path)]
    assert taken == [day.replace(hour=3, minute=40), day.replace(hour=2)]
