"""Large roster files import in the background: the upload answers at once, a page and a JSON
endpoint follow the progress, the report is today's, and each queued file is imported once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.jobs.imports import ImportWorker
from app.models import AdminRole, AuditLog, ImportJob, ImportKind, ImportStatus, Person
from app.services import audit
from app.services import imports as import_service
from app.services.people import roster_io
from app.services.people.roster_io import files
from tests.support.app import AppClient
from tests.support.console import add_user, admin_console, csrf, default_units, sign_in
from tests.support.plugin import FIXTURES, count_rows

HEADER = ",".join(column.header for column in roster_io.COLUMNS)
UNIT = "神特新材党支部/第一党小组"


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


def _people(count: int, unit: str = UNIT) -> bytes:
    return _csv(
        *(
            f"B{n:03d},成员{n},生产部,操作工,否,{unit},正式党员,2010-07-01,,在册,,"
            for n in range(1, count + 1)
        )
    )


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of more than 3 rows count as large, so a test needs no 1,000 people."""
    monkeypatch.setattr(files, "LARGE_ROWS", 3)


async def _upload(client: AppClient, name: str, data: bytes) -> httpx.Response:
    token = await csrf(client, "/admin/people/import")
    files_ = {"file": (name, data, "text/csv")}
    return await client.post("/admin/people/import", data={"csrf_token": token}, files=files_)


async def _until_finished(client: AppClient, url: str) -> dict[str, Any]:
    for _ in range(400):
        response = await client.get(url)
        assert response.status_code == 200, response.text[:500]
        progress: dict[str, Any] = response.json()
        if progress["finished"]:
            return progress
        await asyncio.sleep(0.05)
    raise AssertionError("the background import did not finish")


async def test_a_large_import_answers_at_once_and_finishes_in_the_background(
    console: AppClient,
) -> None:
    """The upload is a redirect to 正在导入…; the progress moves to done and the people are in."""
    await admin_console(console)
    await default_units(console)
    response = await _upload(console, "名册.csv", _people(12))
    assert response.status_code == 303
    page_url = response.headers["location"]
    assert re.fullmatch(r"/admin/people/import/jobs/\d+", page_url)
    page = await console.get(page_url)
    assert page.status_code == 200
    assert "正在导入…" in page.text or 'data-testid="import-done"' in page.text
    progress = await _until_finished(console, page_url + ".json")
    assert progress["status"] == ImportStatus.DONE.value
    assert progress["created"] == 12 and progress["errors"] == 0
    assert progress["rows_done"] == 12
    assert await count_rows(console, Person) == 12
    done = await console.get(page_url)
    assert done.status_code == 200
    assert "正在导入" not in done.text
    assert re.search(r'data-testid="created">12<', done.text)
    entries = await _audit(console, "people.import")
    assert len(entries) == 1 and "新增 12 人" in (entries[0].summary or "")
    assert entries[0].actor_name == "admin"  # the uploader, not the worker
    async with console.sessions() as session:
        job = await import_service.get(session, job_id=progress["id"])
        assert job is not None and job.content == b""  # the file is not kept
    # Small files keep the synchronous path.
    small = await _upload(console, "小.csv", _people(2))
    assert small.status_code == 200 and re.search(r'data-testid="unchanged">2<', small.text)


async def _audit(client: AppClient, action: str) -> list[AuditLog]:
    async with client.sessions() as session:
        return list(await audit.recent(session, action_prefix=action))


async def test_a_failing_large_import_lists_its_problems_and_imports_nothing(
    console: AppClient,
) -> None:
    """Every problem by row and column, as at once; not one person written."""
    await admin_console(console)
    await default_units(console)
    good = f"生产部,操作工,否,{UNIT},正式党员,2010-07-01,,在册,,"
    rows = [f"C{n:03d},好人{n},{good}" for n in range(6)]
    rows[2] = f"C902,,生产部,操作工,否,{UNIT},正式党员,2010-07-01,,在册,,"
    rows[4] = f"C904,坏日期,生产部,操作工,否,{UNIT},正式党员,2010-13-45,,在册,,"
    response = await _upload(console, "名册.csv", _csv(*rows))
    assert response.status_code == 303
    progress = await _until_finished(console, response.headers["location"] + ".json")
    assert progress["status"] == ImportStatus.FAILED.value and progress["errors"] == 2
    page = await console.get(response.headers["location"])
    assert page.status_code == 400
    assert "未导入任何数据" in page.text
    assert "第 4 行" in page.text and "第 6 行" in page.text and "第 3 行" not in page.text
    assert "姓名" in page.text
    assert await count_rows(console, Person) == 0
    assert await _audit(console, "people.import") == []


async def test_a_secretarys_large_import_keeps_their_scope(console: AppClient) -> None:
    """Run later, the import still checks the uploader's units; others cannot see the job."""
    units = await default_units(console)
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[1])
    await sign_in(console, "sec")
    response = await _upload(console, "名册.csv", _people(5))  # all into 第一党小组
    assert response.status_code == 303
    progress = await _until_finished(console, response.headers["location"] + ".json")
    assert progress["status"] == ImportStatus.FAILED.value and progress["errors"] == 5
    page = await console.get(response.headers["location"])
    assert "您无权把人员导入到" in page.text
    assert await count_rows(console, Person) == 0
    console.cookies.clear()
    await add_user(console, "sec2", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec2")
    other = await console.get(response.headers["location"])
    assert other.status_code == 404
    assert (await console.get(response.headers["location"] + ".json")).status_code == 404
    assert (await console.get("/admin/people/import/jobs/99999999999")).status_code == 404


async def test_a_viewer_cannot_start_a_large_import(console: AppClient) -> None:
    """A viewer is refused the form and the upload; nothing is queued."""
    await default_units(console)
    await add_user(console, "viewer", AdminRole.VIEWER)
    await sign_in(console, "viewer")
    assert (await console.get("/admin/people/import")).status_code == 403
    token = await csrf(console, "/admin/people")
    refused = await console.post(
        "/admin/people/import",
        data={"csrf_token": token},
        files={"file": ("名册.csv", _people(8), "text/csv")},
    )
    assert refused.status_code == 403
    assert await count_rows(console, ImportJob) == 0
    assert await count_rows(console, Person) == 0


@pytest.mark.both_databases  # the claim is a conditional UPDATE: SQLite locks differently
async def test_a_job_claimed_twice_runs_once(console: AppClient) -> None:
    """Two workers racing for one queued file: one imports it, the other finds nothing."""
    await default_units(console)
    async with console.sessions() as session:
        job = await import_service.queue(
            session,
            kind=ImportKind.ROSTER,
            filename="名册.csv",
            data=_people(6),
            actor=audit.SYSTEM,
            now=console.state.clock(),
            params={"unit_ids": None},
        )
        await session.commit()
        assert job.id is not None
        job_id = job.id
    await admin_console(console)
    waiting = await console.get(f"/admin/people/import/jobs/{job_id}")
    assert "正在导入…" in waiting.text and "排队等候中" in waiting.text
    assert (await console.get(f"/admin/people/import/jobs/{job_id}.json")).json()["status"] == (
        ImportStatus.QUEUED.value
    )
    state = console.state
    workers = [
        ImportWorker(engine=state.engine, sessions=state.sessions, clock=state.clock)
        for _ in range(2)
    ]
    ran = await asyncio.gather(*(worker.run_next() for worker in workers))
    assert sorted(ran, key=lambda x: x or 0) == [None, job_id]
    assert await count_rows(console, Person) == 6
    async with console.sessions() as session:
        now = console.state.clock()
        assert not await import_service.claim(session, job_id=job_id, token="late", now=now)
        stored = await import_service.get(session, job_id=job_id)
        assert stored is not None and stored.status == ImportStatus.DONE.value
        assert stored.attempts == 1


@pytest.mark.both_databases
async def test_a_claim_left_by_a_dead_worker_is_taken_over_once(console: AppClient) -> None:
    """A running job whose worker died is claimed again after STALE_AFTER; the dead worker's
    late finish is refused, so the file's effect commits once."""
    await default_units(console)
    now = console.state.clock()
    async with console.sessions() as session:
        job = await import_service.queue(
            session,
            kind=ImportKind.ROSTER,
            filename="名册.csv",
            data=_people(4),
            actor=audit.SYSTEM,
            now=now,
        )
        assert job.id is not None
        job_id = job.id
        assert await import_service.claim(session, job_id=job_id, token="dead", now=now)
        await session.commit()
    async with console.sessions() as session:
        assert not await import_service.claim(session, job_id=job_id, token="early", now=now)
        later = now + import_service.STALE_AFTER + timedelta(seconds=1)
        assert await import_service.claim(session, job_id=job_id, token="alive", now=later)
        report: dict[str, Any] = {"errors": [], "warnings": []}
        assert not await import_service.finish(
            session, job_id=job_id, token="dead", report=report, failed=False, now=later
        )
        await session.commit()
    state = console.state
    worker = ImportWorker(engine=state.engine, sessions=state.sessions, clock=state.clock)
    await worker.run_claimed(job_id, "alive")
    assert await count_rows(console, Person) == 4


def test_the_threshold_is_about_a_thousand_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged without parsing: CSV lines, or the XML an .xlsx inflates to."""
    monkeypatch.setattr(files, "LARGE_ROWS", 1000)
    assert roster_io.is_large(_people(1001), filename="a.csv")
    assert not roster_io.is_large(_people(1000) + b"\n\n", filename="a.csv")
    sample = (FIXTURES / "roster_sample.xlsx").read_bytes()
    assert not roster_io.is_large(sample, filename="a.xlsx")
    assert not roster_io.is_large(b"PK\x03\x04 not a zip", filename="a.xlsx")
