"""The roster file through the API: export (audited, scoped), template, import (all or none)."""

from __future__ import annotations

from sqlmodel import select

from app.models import AuditLog, Person
from app.services.people import roster_io as roster_service
from tests.support.api import assert_error, new_person
from tests.support.plugin import count_rows


def _csv(*rows: str) -> bytes:
    """A roster file with the template's header; each row gives 工号, 姓名 and 所属组织."""
    headers = [column.header for column in roster_service.COLUMNS]
    lines = [",".join(headers)]
    for row in rows:
        given = dict(zip(("工号", "姓名", "所属组织"), row.split(","), strict=True))
        lines.append(",".join(given.get(header, "") for header in headers))
    return "\n".join(lines).encode("utf-8")


async def test_export_is_scoped_and_audited(api, users):
    await new_person(api, users.admin, "X01", org_unit_id=users.group_id)
    await new_person(api, users.admin, "X02", org_unit_id=users.other_group_id)

    mine = await api.get("/api/v1/people/export", params={"fmt": "csv"}, headers=users.secretary)
    assert mine.status_code == 200, mine.text
    assert mine.headers["content-type"].startswith("text/csv")
    assert "attachment" in mine.headers["content-disposition"]
    assert "X01" in mine.text and "X02" not in mine.text
    xlsx = await api.get("/api/v1/people/export", headers=users.viewer)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")

    async with api.sessions() as session:
        entries = (
            await session.exec(select(AuditLog).where(AuditLog.action == "people.export"))
        ).all()
    assert sorted(entry.actor_name for entry in entries) == ["secretary-user", "viewer-user"]


async def test_template_downloads(api, users):
    for fmt, magic in (("xlsx", b"PK"), ("csv", "工号".encode())):
        response = await api.get(
            "/api/v1/people/template", params={"fmt": fmt}, headers=users.viewer
        )
        assert response.status_code == 200 and magic in response.content[:64]
    assert_error(
        await api.get("/api/v1/people/template", params={"fmt": "xls"}, headers=users.viewer),
        422,
        "validation_error",
    )


async def test_import_creates_people(api, users):
    data = _csv("N01,导入一,神特新材党支部/第一党小组", "N02,导入二,神特新材党支部/第一党小组")
    response = await api.post(
        "/api/v1/people/import",
        files={"file": ("roster.csv", data, "text/csv")},
        headers=users.secretary,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2 and response.json()["errors"] == []
    listed = (await api.get("/api/v1/people", headers=users.secretary)).json()
    assert {p["employee_no"] for p in listed["items"]} == {"N01", "N02"}


async def test_import_with_errors_imports_nothing(api, users):
    data = _csv("N10,好的一行,神特新材党支部/第一党小组", "N11,,神特新材党支部/第一党小组")
    response = await api.post(
        "/api/v1/people/import",
        files={"file": ("roster.csv", data, "text/csv")},
        headers=users.admin,
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"] and {"row", "column", "message"} <= set(error["details"][0])
    assert await count_rows(api, Person) == 0

    unreadable = await api.post(
        "/api/v1/people/import",
        files={"file": ("roster.xls", b"\xd0\xcf\x11\xe0 old excel", "application/vnd.ms-excel")},
        headers=users.admin,
    )
    assert_error(unreadable, 422, "validation_error")
