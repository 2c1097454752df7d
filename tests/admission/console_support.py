"""Helpers of the console tests of 组织发展: a signed-in admin, applicants, files by form."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.app import AppClient
from tests.support.console import csrf, post_form

# Steps 1–9 of a paper history: 确定发展对象 a year after 确定为入党积极分子.
CANDIDATE_HISTORY = {
    "apply": "2024-03-01",
    "talk": "2024-03-20",
    "activist": "2024-05-10",
    "activist_filing": "2024-05-20",
    "contacts": "2024-05-20",
    "cultivation": "2025-05-12",
    "candidate": "2025-05-20",
    "candidate_filing": "2025-05-25",
    "introducers": "2025-05-26",
}


def file_id_of(response: httpx.Response) -> int:
    """The file a redirect goes to."""
    assert response.status_code == 303, response.text[:3000]
    match = re.fullmatch(r"/admin/admission/files/(\d+)(#.*)?", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def open_file(
    console: AppClient, person_id: int, *, applied_on: str = "2026-03-02", **changes: str
) -> httpx.Response:
    """Submit 新建发展档案 for the person."""
    form = {
        "person_id": str(person_id),
        "birth_date": "1995-01-01",
        "applied_on": applied_on,
        "note": "本人递交书面申请",
        **changes,
    }
    return await post_form(console, "/admin/admission/new", form)


async def record(
    console: AppClient,
    file_id: int,
    code: str,
    done_on: str,
    *,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    **fields: Any,
) -> httpx.Response:
    """Submit one step's form on the file page (multipart when a document goes with it)."""
    token = await csrf(console, f"/admin/admission/files/{file_id}")
    form = {"csrf_token": token, "code": code, "done_on": done_on, **fields}
    return await console.post(f"/admin/admission/files/{file_id}/steps", data=form, files=files)


async def enter_history(console: AppClient, person_id: int, dates: dict[str, str]) -> int:
    """Submit 录入历史档案 with these step dates; the new file's id."""
    form = {"person_id": str(person_id), **{f"date_{code}": day for code, day in dates.items()}}
    return file_id_of(await post_form(console, "/admin/admission/history", form))


def step_error(html: str) -> str:
    """The reason shown above a refused step form."""
    match = re.search(r'data-testid="step-error">([^<]*)<', html)
    return match.group(1) if match else ""
