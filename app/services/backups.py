"""Backups: a consistent copy of the database in a directory, and its restore into an empty one.

PostgreSQL is dumped with `pg_dump --format=custom` (one snapshot, so consistent by itself) and
restored with `pg_restore`; SQLite is copied with its online backup API. Every uploaded file
(attachments, newsletter photos, meeting files, admission documents) is a column of the
database, so the dump is the whole backup.

A dump is written under a hidden `.partial` name and renamed only once it is complete and
readable: a crash never leaves a file that looks like a backup. The connection's password
reaches pg_dump, pg_restore and psql through PGPASSWORD, never their command line.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import monotonic

from sqlalchemy.engine import URL, make_url

from app.models.types import CHINA

STAMP = "%Y%m%dT%H%M%SZ"
BACKUP_NAME = re.compile(r"^shente-(\d{8}T\d{6}Z)\.(dump|sqlite)$")
PARTIAL = ".partial"
# A partial file this old belongs to a backup that died: it is removed with the old backups.
STALE_PARTIAL = timedelta(days=1)
PG_MAGIC, SQLITE_MAGIC = b"PGDMP", b"SQLite format 3\x00"
# URL query parameters that libpq also reads from the environment (PGSSLMODE, …).
LIBPQ_PARAMS = frozenset(
    {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name"}
)


class BackupError(RuntimeError):
    """A backup or restore that failed; the message is one line for the operator."""


class RestoreRefused(BackupError):
    """The restore was not attempted: the target is not empty, or the file does not fit."""


@dataclass(frozen=True)
class Backup:
    """One complete backup file and when it was taken (from its name)."""

    path: Path
    taken_at: datetime


@dataclass(frozen=True)
class Made:
    """What `make_backup` wrote and what retention removed."""

    path: Path
    size: int
    seconds: float
    removed: list[Path]


def safe_url(database_url: str) -> str:
    """The URL as it may be shown: the password masked."""
    return make_url(database_url).render_as_string(hide_password=True)


def backend_of(database_url: str) -> str:
    """ "postgresql" or "sqlite"."""
    backend = make_url(database_url).get_backend_name()
    if backend not in {"postgresql", "sqlite"}:
        raise BackupError(f"不支持的数据库：{backend}")
    return backend


def backups_in(directory: Path) -> list[Backup]:
    """The complete backups in the directory, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
            found.append(Backup(path, taken))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def expired(found: list[Backup], *, keep: int, keep_weekly: int = 0) -> list[Backup]:
    """What retention removes: all but the newest `keep` and the newest of `keep_weekly` weeks."""
    kept = {b.path for b in found[:keep]}
    weeks: dict[tuple[int, int], Backup] = {}
    for backup in found:  # newest first: the first seen in a week is that week's newest
        week = backup.taken_at.astimezone(CHINA).isocalendar()[:2]
        weeks.setdefault((week[0], week[1]), backup)
    kept |= {b.path for b in list(weeks.values())[:keep_weekly]}
    return [b for b in found if b.path not in kept]


def prune(directory: Path, *, keep: int, keep_weekly: int = 0, now: datetime) -> list[Path]:
    """Delete the backups retention does not keep, and partial files a dead backup left."""
    removed = []
    for backup in expired(backups_in(directory), keep=keep, keep_weekly=keep_weekly):
        backup.path.unlink(missing_ok=True)
        removed.append(backup.path)
    for path in directory.glob(f".shente-*{PARTIAL}"):
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if now - modified > STALE_PARTIAL:
            path.unlink(missing_ok=True)
    return removed


def due(directory: Path, *, at: time, now: datetime) -> bool:
    """True when no backup was taken since the latest daily time `at` (China) up to now."""
    local = now.astimezone(CHINA)
    slot = datetime.combine(local.date(), at, tzinfo=CHINA)
    if local < slot:
        slot -= timedelta(days=1)
    found = backups_in(directory)
    return not found or found[0].taken_at < slot


def make_backup(
    database_url: str,
    directory: Path,
    *,
    keep: int,
    keep_weekly: int = 0,
    now: datetime | None = None,
) -> Made:
    """Write one complete backup into the directory, then apply retention."""
    started = monotonic()
    when = now or datetime.now(UTC)
    backend = backend_of(database_url)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = "dump" if backend == "postgresql" else "sqlite"
    final = directory / f"shente-{when.astimezone(UTC):{STAMP}}.{suffix}"
    partial = directory / f".{final.name}{PARTIAL}"
    try:
        if backend == "postgresql":
            _pg_dump(database_url, partial)
        else:
            _sqlite_copy(database_url, partial)
        _durable(partial)
        os.replace(partial, final)  # atomic: the complete name appears only now
        _durable(directory)
    finally:
        partial.unlink(missing_ok=True)
    removed = prune(directory, keep=keep, keep_weekly=keep_weekly, now=when)
    return Made(final, final.stat().st_size, monotonic() - started, removed)


def _durable(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def libpq_env(database_url: str) -> dict[str, str]:
    """The process environment with the URL's connection as PG* variables (password included)."""
    url: URL = make_url(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        if key == "host":  # a Unix socket directory: ?host=/var/run/postgresql
            values["PGHOST"] = str(value)
        elif key in LIBPQ_PARAMS:
            values[f"PG{key.upper()}"] = str(value)
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    """Run a PostgreSQL client tool; its error (never the password) becomes a BackupError."""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed tool; the connection is in env only
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {command[0]}：请安装与数据库服务器同一大版本（或更新）的 PostgreSQL 客户端"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{command[0]} 失败：{' '.join(lines[:3]) or done.returncode}")
    return done.stdout


def _major(version_line: str) -> int:
    match = re.search(r"\)\s*(\d+)", version_line) or re.search(r"(\d+)", version_line)
    if match is None:
        raise BackupError(f"读不出版本号：{version_line.strip()}")
    return int(match.group(1))


def _psql(env: dict[str, str], sql: str) -> str:
    return _run(["psql", "-X", "-A", "-t", "-q", "-w", "-c", sql], env).strip()


def check_client_version(env: dict[str, str], tool: str) -> None:
    """pg_dump older than the server cannot dump it: say which versions, before trying."""
    client = _major(_run([tool, "--version"], env))
    server = int(_psql(env, "SHOW server_version_num")) // 10000
    if client < server:
        raise BackupError(
            f"{tool} 的版本是 {client}，数据库服务器是 {server}：{tool} 不能比服务器旧，"
            f"请安装 postgresql-client-{server}"
        )


def _pg_dump(database_url: str, target: Path) -> None:
    env = libpq_env(database_url)
    check_client_version(env, "pg_dump")
    _run(["pg_dump", "--format=custom", "--no-password", f"--file={target}"], env)
    # Readable to its end (the table of contents is written last): only then is it a backup.
    _run(["pg_restore", "--list", str(target)], env)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("SQLite 数据库是内存数据库，没有可备份的文件")
    return Path(database)


def _online_copy(source_path: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API: a consistent state while the app
    keeps writing."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _sqlite_copy(database_url: str, target: Path) -> None:
    source_path = _sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"找不到 SQLite 数据库文件：{source_path}")
    _online_copy(source_path, target)


def kind_of(path: Path) -> str:
    """ "postgresql" or "sqlite", from the file's first bytes."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise RestoreRefused(f"读不到备份文件 {path}：{exc.strerror}") from None
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise RestoreRefused(f"{path} 不是 shente backup 写的备份文件")


def dumped_revisions(path: Path) -> set[str]:
    """The Alembic revisions recorded in the backup (empty: no alembic_version table)."""
    if kind_of(path) == "sqlite":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:
            return set()
        finally:
            connection.close()
        return {str(row[0]) for row in rows}
    script = _run(
        ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
        dict(os.environ),
    )
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and "alembic_version" in line:
            return set(_copy_rows(lines))
    return set()


def _copy_rows(lines: Iterator[str]) -> list[str]:
    rows = []
    for line in lines:
        if line == "\\.":
            break
        rows.append(line.strip())
    return rows


def tables_in(database_url: str) -> int:
    """How many tables (and sequences) the database holds; 0 for a missing SQLite file."""
    if backend_of(database_url) == "sqlite":
        path = _sqlite_path(database_url)
        if not path.exists():
            return 0
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(
                connection.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
            )
        finally:
            connection.close()
    return int(
        _psql(
            libpq_env(database_url),
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg_toast%'",
        )
    )


def restore(database_url: str, path: Path) -> None:
    """Restore the backup into the database, which must be empty (all or nothing)."""
    backend = backend_of(database_url)
    if kind_of(path) != backend:
        raise RestoreRefused(f"{path.name} 是 {kind_of(path)} 的备份，目标数据库是 {backend}")
    tables = tables_in(database_url)
    if tables:
        raise RestoreRefused(
            f"拒绝恢复：目标数据库 {safe_url(database_url)} 已有 {tables} 张表，只能恢复到空数据库"
        )
    if backend == "sqlite":
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        _online_copy(path, target)
        return
    env = libpq_env(database_url)
    url = make_url(database_url)
    database = url.database or url.username or "postgres"  # libpq's own default: the user
    # One transaction: a failure leaves the database as empty as it was. Owners and grants
    # name roles of the old server, which the new one need not have.
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={database}",
            str(path),
        ],
        env,
    )
