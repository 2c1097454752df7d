"""Large question-bank files import in the background, with today's report, all or nothing."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from app.models import AdminRole, ImportJob, ImportStatus, Question
from app.services import audit
from app.services.quizzes import bank_file
from tests.support.app import AppClient
from tests.support.console import add_user, admin_console, csrf, default_units, sign_in
from tests.support.plugin import count_rows
from tests.support.question_bank import SUPERVISION, bank_xlsx, row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bank file counts as large, so a test needs no thousand questions."""
    monkeypatch.setattr(bank_file, "LARGE_UNZIPPED_BYTES", 1)


async def _upload(client: AppClient, data: bytes, bank: str = "监察法") -> httpx.Response:
    return await client.post(
        "/admin/questions/import",
        data={"csrf_token": await csrf(client), "bank": bank},
        files={"file": ("监察法题库.xlsx", data, XLSX)},
    )


async def _until_finished(client: AppClient, url: str) -> dict[str, Any]:
    for _ in range(400):
        response = await client.get(url)
        assert response.status_code == 200, response.text[:500]
        progress: dict[str, Any] = response.json()
        if progress["finished"]:
            return progress
        await asyncio.sleep(0.05)
    raise AssertionError("the background import did not finish")


async def test_a_large_bank_imports_in_the_background(console: AppClient) -> None:
    """Queued at once; done with the counts, the questions stored, audited as the uploader."""
    await admin_console(console)
    response = await _upload(console, bank_xlsx(SUPERVISION))
    assert response.status_code == 303
    page = response.headers["location"]
    assert re.fullmatch(r"/admin/questions/import/jobs/\d+", page)
    progress = await _until_finished(console, page + ".json")
    assert progress["status"] == ImportStatus.DONE.value
    assert progress["created"] == 6 and progress["errors"] == 0
    done = await console.get(page)
    assert done.status_code == 200
    assert "导入完成" in done.text and re.search(r'data-testid="created">6<', done.text)
    assert await count_rows(console, Question, Question.bank == "监察法") == 6
    async with console.sessions() as session:
        entries = await audit.recent(session, action_prefix="question.import")
    assert len(entries) == 1 and entries[0].actor_name == "admin"


async def test_a_failing_large_bank_lists_every_bad_row_and_stores_nothing(
    console: AppClient,
) -> None:
    """Every problem by row, as at once; not one question stored."""
    await admin_console(console)
    rows = [*SUPERVISION, row("单选", "没有答案的题", ["甲", "乙"], ""), row("判断", "", (), "对")]
    response = await _upload(console, bank_xlsx(rows))
    assert response.status_code == 303
    progress = await _until_finished(console, response.headers["location"] + ".json")
    assert progress["status"] == ImportStatus.FAILED.value and progress["errors"] == 2
    page = await console.get(response.headers["location"])
    assert page.status_code == 400
    assert "未导入任何题目" in page.text
    assert "第 8 行" in page.text and "第 9 行" in page.text
    assert await count_rows(console, Question) == 0


@pytest.mark.parametrize("role", [AdminRole.VIEWER, AdminRole.SECRETARY])
async def test_only_admins_start_a_large_bank_import(console: AppClient, role: AdminRole) -> None:
    """The bank is everyone's: a viewer or a secretary is refused, and nothing is queued."""
    units = await default_units(console)
    await add_user(console, "someone", role, units.groups[0])
    await sign_in(console, "someone")
    token = await csrf(console, "/admin/questions")
    refused = await console.post(
        "/admin/questions/import",
        data={"csrf_token": token, "bank": "监察法"},
        files={"file": ("监察法题库.xlsx", bank_xlsx(SUPERVISION), XLSX)},
    )
    assert refused.status_code == 403
    assert await count_rows(console, ImportJob) == 0
    assert (await console.get("/admin/questions/import/jobs/1")).status_code == 403
