"""Two imports of the same new questions at the same moment: one row each, no error."""

from __future__ import annotations

import asyncio
import re

import pytest

from app.models import AdminRole, Question
from tests.support.app import AppClient
from tests.support.console import add_user, csrf, second_browser, sign_in
from tests.support.plugin import count_rows
from tests.support.question_bank import SUPERVISION, bank_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Concurrent inserts under a unique constraint: PostgreSQL and SQLite lock differently.
pytestmark = pytest.mark.both_databases


async def test_concurrent_imports_of_the_same_new_questions_add_each_once(
    console: AppClient,
) -> None:
    """Both imports answer 200; the questions are stored once; one says 新增, the other 未变."""
    await add_user(console, "admin", AdminRole.ADMIN)
    other = second_browser(console)
    for browser in (console, other):
        assert (await sign_in(browser, "admin")).status_code == 303
    data = bank_xlsx(SUPERVISION)

    async def upload(browser: AppClient) -> str:
        response = await browser.post(
            "/admin/questions/import",
            data={"csrf_token": await csrf(browser), "bank": "监察法"},
            files={"file": ("监察法题库.xlsx", data, XLSX)},
        )
        assert response.status_code == 200, response.text[:2000]
        return response.text

    pages = await asyncio.gather(upload(console), upload(other))
    assert await count_rows(console, Question) == len(SUPERVISION)
    created = [int(re.findall(r'data-testid="created">(\d+)<', page)[0]) for page in pages]
    unchanged = [int(re.findall(r'data-testid="unchanged">(\d+)<', page)[0]) for page in pages]
    assert sum(created) == len(SUPERVISION)
    assert [c + u for c, u in zip(created, unchanged, strict=True)] == [len(SUPERVISION)] * 2
