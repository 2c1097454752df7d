"""`shente backup` and `shente restore`: the demo, dumped and restored into a fresh database,
is served the same; a restore never overwrites data; a killed backup leaves no backup."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli.main import cli
from app.config import get_settings
from app.dev.demo import seed
from app.models import Meeting, NewsletterIssue, Person
from app.services import backups
from tests.support.app import AppClient, MakeClient
from tests.support.commands import start_shente
from tests.support.console import admin_console, csrf, sign_in
from tests.support.plugin import Backend, create_pg_database, drop_pg_database, migrate

# In the URL (the trusting test server ignores it): it must never reach a command line.
PASSWORD = "pw-never-in-ps-7f3a"
# The smallest valid PNG: a photo as the console stores it.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a9d8d50000000049454e44ae426082"
)


@pytest.fixture
def scratch(backend: Backend) -> Iterator[list[str]]:
    """Scratch PostgreSQL databases the test creates, dropped at the end."""
    if backend.name != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL (CI runs this on it)")
    names: list[str] = []
    yield names
    for name in names:
        drop_pg_database(name)


def _url(backend: Backend, name: str, password: str | None = None) -> str:
    url = make_url(backend.database_url).set(database=name, password=password)
    return url.render_as_string(hide_password=False)


def _env(database_url: str, backup_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BACKUP_"))}
    env |= {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "BACKUP_DIR": str(backup_dir),
        "LOG_LEVEL": "WARNING",
    }
    return env | extra


async def shente(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a `shente` command in this process (a new one costs seconds of imports)."""

    def invoke() -> tuple[int, str]:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli, list(args), env=env)
        finally:
            get_settings.cache_clear()
        return result.exit_code, result.output

    return await asyncio.to_thread(invoke)


async def _served(client: AppClient, meeting_id: int, attachment_path: str) -> dict[str, object]:
    """What the console shows of the demo: the people count, a member, an issue, the photo."""
    async with client.sessions() as session:
        person = (await session.exec(select(Person).order_by(col(Person.id)))).first()
        issue = (
            await session.exec(select(NewsletterIssue).order_by(col(NewsletterIssue.id)))
        ).first()
    assert person is not None and issue is not None
    people = (await client.get("/admin/people")).text
    total = re.search(r'data-testid="people-total">(\d+)<', people)
    member = await client.get(f"/admin/people/{person.id}")
    newsletter = await client.get(f"/admin/newsletters/{issue.id}")
    photo = await client.get(attachment_path)
    assert member.status_code == newsletter.status_code == photo.status_code == 200
    assert person.name in member.text and issue.title in newsletter.text
    return {
        "people": int(total.group(1)) if total else None,
        "member": (person.id, person.name),
        "issue": (issue.id, issue.title),
        "photo": photo.content,
        "meeting": meeting_id,
    }


async def _upload_photo(client: AppClient) -> tuple[int, str]:
    async with client.sessions() as session:
        meeting = (await session.exec(select(Meeting).order_by(col(Meeting.id)))).first()
    assert meeting is not None
    page = f"/admin/meetings/{meeting.id}"
    uploaded = await client.post(
        f"{page}/attachments",
        data={"csrf_token": await csrf(client, page)},
        files={"file": ("支部大会.png", PHOTO, "image/png")},
    )
    assert uploaded.status_code == 303, uploaded.text[:300]
    shown = (await client.get(page)).text
    links = re.findall(rf'href="({page}/attachments/(\d+))"', shown)
    assert links, "the uploaded photo is listed on the meeting's page"
    assert meeting.id is not None
    return meeting.id, max(links, key=lambda link: int(link[1]))[0]


async def test_a_restored_demo_serves_the_same_records(
    scratch: list[str], backend: Backend, make_client: MakeClient, tmp_path: Path
) -> None:
    source = await asyncio.to_thread(create_pg_database)
    target = await asyncio.to_thread(create_pg_database)
    scratch += [source, target]
    source_url, target_url = _url(backend, source), _url(backend, target)
    await asyncio.to_thread(migrate, source_url)
    original = await make_client(database_url=source_url)
    await seed(original.settings)
    await admin_console(original)
    meeting_id, photo_path = await _upload_photo(original)
    before = await _served(original, meeting_id, photo_path)
    assert before["photo"] == PHOTO and before["people"]

    # The password (which this trusting server ignores) is in the URL: it must stay out of ps.
    code, out = await shente(_env(_url(backend, source, PASSWORD), tmp_path), "backup")
    assert code == 0, out
    assert "备份完成" in out and PASSWORD not in out
    [dump] = backups.backups_in(tmp_path)
    assert dump.path.name.startswith("shente-") and dump.path.suffix == ".dump"

    code, out = await shente(_env(target_url, tmp_path), "restore", str(dump.path))
    assert code == 0, out
    restored = await make_client(database_url=target_url)
    assert (await sign_in(restored, "admin")).status_code == 303
    assert await _served(restored, meeting_id, photo_path) == before
    # The sequences came along: a new upload gets a new id, not one of the restored rows.
    assert (await _upload_photo(restored))[1] != photo_path

    # A second restore would mix two databases: refused, in one line, and nothing changes.
    code, out = await shente(_env(target_url, tmp_path), "restore", str(dump.path))
    assert code == 2 and "拒绝恢复" in out and "只能恢复到空数据库" in out, out
    assert (await _served(restored, meeting_id, photo_path))["people"] == before["people"]


async def test_a_killed_backup_leaves_no_backup_and_retention_keeps_the_newest(
    scratch: list[str], backend: Backend, tmp_path: Path
) -> None:
    name = await asyncio.to_thread(create_pg_database)
    scratch.append(name)
    url = _url(backend, name)
    await asyncio.to_thread(migrate, url)
    env = _env(_url(backend, name, PASSWORD), tmp_path, BACKUP_KEEP="3")
    old = ["20260101T030000Z", "20260102T030000Z", "20260103T030000Z"]

    # A transaction holding a table makes pg_dump wait with its file open: kill it then.
    holder = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
    # Another connection watches: inside a transaction pg_stat_activity would stand still.
    watcher = await asyncpg.connect(url.replace("postgresql://", "postgres://"))
    blocked = holder.transaction()
    await blocked.start()
    await holder.execute("LOCK TABLE person IN ACCESS EXCLUSIVE MODE")
    # Forked from the worker's fork server (no seconds of imports), in a session of its own:
    # the group is the command and its pg_dump.
    process = start_shente(env, "backup", new_session=True)
    try:
        deadline = asyncio.get_running_loop().time() + 90
        while asyncio.get_running_loop().time() < deadline:
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock'"
            )
            if waiting:
                break
            await asyncio.sleep(0.1)
        assert waiting, "pg_dump started and waits for the lock"
        assert [p.name.endswith(".partial") for p in tmp_path.iterdir()] == [True]
        for command_line in _command_lines(process.pid):
            assert PASSWORD not in command_line and "postgresql://" not in command_line
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        await process.reap()
        await blocked.rollback()
        await holder.close()
        await watcher.close()
    assert backups.backups_in(tmp_path) == []  # nothing that looks complete

    for stamp in old:  # three older backups: retention keeps the newest three in all
        (tmp_path / f"shente-{stamp}.dump").write_bytes(b"PGDMP old")
    code, out = await shente(env, "backup")
    assert code == 0, out
    kept = [b.path.name for b in backups.backups_in(tmp_path)]
    assert len(kept) == 3 and kept[1:] == [f"shente-{s}.dump" for s in reversed(old[1:])]
    assert "删除了 1 个旧备份" in out and old[0] in out


def _command_lines(group: int) -> list[str]:
    """The command lines of every process in the process group (shente and pg_dump)."""
    lines = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                lines.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    assert len(lines) >= 2, lines  # the command and its pg_dump
    return lines
