"""Roster files in the console: import all or nothing, exports audited, the template."""

from __future__ import annotations

import re

import httpx

from app.models import AdminRole, Person
from app.services.people import roster_io
from tests.support.app import AppClient
from tests.support.console import (
    add_user,
    admin_console,
    audit_entries,
    csrf,
    default_units,
    sign_in,
)
from tests.support.plugin import FIXTURES, count_rows

SAMPLE = FIXTURES / "roster_sample.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ",".join(column.header for column in roster_io.COLUMNS)


async def _upload(client: AppClient, name: str, data: bytes) -> httpx.Response:
    token = await csrf(client, "/admin/people/import")
    files = {"file": (name, data, "application/octet-stream")}
    return await client.post("/admin/people/import", data={"csrf_token": token}, files=files)


async def test_import_the_sample_then_again_unchanged(console: AppClient) -> None:
    """The 20-member sample creates 20 people; the same file again changes nothing."""
    await admin_console(console)
    await default_units(console)
    response = await _upload(console, "roster_sample.xlsx", SAMPLE.read_bytes())
    assert response.status_code == 200, response.text[-2000:]
    assert re.search(r'data-testid="created">20<', response.text)
    assert await count_rows(console, Person) == 20
    again = await _upload(console, "roster_sample.xlsx", SAMPLE.read_bytes())
    assert re.search(r'data-testid="unchanged">20<', again.text)
    assert re.search(r'data-testid="created">0<', again.text)
    roster = await console.get("/admin/people")
    assert 'data-testid="people-total">20<' in roster.text


async def test_import_errors_list_rows_and_import_nothing(console: AppClient) -> None:
    """One bad row stops the whole file; the page lists row numbers and says nothing came in."""
    await admin_console(console)
    await default_units(console)
    unit = "神特新材党支部/第一党小组"
    rows = [
        HEADER,
        f"T001,好人,生产部,操作工,否,{unit},正式党员,2010-07-01,,在册,,",
        f"T002,,生产部,操作工,否,{unit},正式党员,2010-07-01,,在册,,",
        f"T003,坏日期,生产部,操作工,否,{unit},正式党员,2010-13-45,,在册,,",
    ]
    response = await _upload(console, "名册.csv", "\n".join(rows).encode("utf-8"))
    assert response.status_code == 400
    assert "未导入任何数据" in response.text
    assert "第 3 行" in response.text and "第 4 行" in response.text
    assert "第 2 行" not in response.text
    assert await count_rows(console, Person) == 0
    empty = await _upload(console, "empty.csv", b"")
    assert empty.status_code == 400 and "文件是空的" in empty.text


async def test_export_is_audited_and_templates_download(console: AppClient) -> None:
    """Both formats download; each export is in the audit log with who and which format."""
    await admin_console(console)
    await default_units(console)
    await _upload(console, "roster_sample.xlsx", SAMPLE.read_bytes())
    for fmt, media in (("xlsx", XLSX), ("csv", "text/csv")):
        token = await csrf(console, "/admin/people")
        response = await console.post(
            "/admin/people/export", data={"csrf_token": token, "fmt": fmt}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert f'filename="roster.{fmt}"' in response.headers["content-disposition"]
        assert len(response.content) > 100
    exports = await audit_entries(console, "people.export")
    assert [e.actor_name for e in exports] == ["admin", "admin"]
    assert "csv" in (exports[0].summary or "") and "xlsx" in (exports[1].summary or "")
    assert "王建国" in response.content.decode("utf-8-sig")
    for fmt in ("xlsx", "csv"):
        template = await console.get(f"/admin/people/template.{fmt}")
        assert template.status_code == 200 and template.content
    assert (await console.get("/admin/people/template.pdf")).status_code == 404


async def test_secretary_exports_only_their_units(console: AppClient) -> None:
    """A secretary's export holds the people of their units and no one else."""
    units = await default_units(console)
    await admin_console(console)
    await _upload(console, "roster_sample.xlsx", SAMPLE.read_bytes())
    console.cookies.clear()
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[1])
    await sign_in(console, "sec")
    token = await csrf(console, "/admin/people")
    response = await console.post("/admin/people/export", data={"csrf_token": token, "fmt": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "杨帆" in text and "王建国" not in text  # 第二党小组 only


async def test_the_templates_example_row_is_skipped_and_the_page_says_so(
    console: AppClient,
) -> None:
    """Uploading the template as downloaded imports no 张三: the page warns about row 2."""
    await admin_console(console)
    await default_units(console)
    template = (await console.get("/admin/people/template.xlsx")).content
    response = await _upload(console, "模板.xlsx", template)
    assert response.status_code == 200, response.text[-2000:]
    assert re.search(r'data-testid="created">0<', response.text)
    assert 'data-testid="import-warnings"' in response.text
    assert "第 2 行：这是导入模板的示例行，已跳过，没有导入" in response.text
    assert await count_rows(console, Person) == 0
