"""People through the API: add, read, search, edit, and stage transitions."""

from __future__ import annotations

from sqlmodel import select

from app.models import AuditLog
from tests.support.api import assert_error, new_person


async def test_create_read_update_a_person(api, users):
    created = await api.post(
        "/api/v1/people",
        json={
            "employee_no": "E001",
            "name": "张三",
            "org_unit_id": users.group_id,
            "phone": "13812345678",
            "stage": "activist",
            "stage_since": "2024-03-01",
        },
        headers=users.admin,
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["stage"] == "activist" and person["stage_label"] == "入党积极分子"
    assert person["phone_masked"] == "138****5678" and "phone" not in person
    assert person["org_unit"] == "神特新材党支部/第一党小组"
    assert created.headers["location"] == f"/api/v1/people/{person['id']}"

    fetched = await api.get(f"/api/v1/people/{person['id']}", headers=users.viewer)
    assert fetched.status_code == 200 and fetched.json() == person

    patched = await api.patch(
        f"/api/v1/people/{person['id']}",
        json={"post": "工艺员", "status": "left"},
        headers=users.secretary,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["post"] == "工艺员" and patched.json()["status_label"] == "已离职"
    assert patched.json()["name"] == "张三"  # untouched fields stay


async def test_search_filters_and_pages(api, users):
    for number, stage in (("E01", "full"), ("E02", "full"), ("E03", "activist")):
        await new_person(api, users.admin, number, stage=stage, org_unit_id=users.group_id)
    await new_person(api, users.admin, "E04", org_unit_id=users.other_group_id)

    page = (await api.get("/api/v1/people", params={"limit": 2}, headers=users.admin)).json()
    assert page["total"] == 4 and [p["employee_no"] for p in page["items"]] == ["E01", "E02"]
    full = await api.get("/api/v1/people", params={"stage": "full"}, headers=users.admin)
    assert full.json()["total"] == 2
    text = await api.get("/api/v1/people", params={"q": "E03"}, headers=users.admin)
    assert [p["employee_no"] for p in text.json()["items"]] == ["E03"]
    unit = await api.get(
        "/api/v1/people", params={"org_unit_id": users.branch_id}, headers=users.admin
    )
    assert unit.json()["total"] == 4  # a unit includes the groups below it
    unbound = await api.get("/api/v1/people", params={"bound": "false"}, headers=users.admin)
    assert unbound.json()["total"] == 4

    too_many = await api.get("/api/v1/people", params={"limit": 201}, headers=users.admin)
    error = assert_error(too_many, 422, "validation_error")
    assert error["details"][0]["field"] == "query.limit"


async def test_transitions_record_dated_steps(api, users):
    person = await new_person(
        api,
        users.admin,
        "E10",
        stage="candidate",
        stage_since="2024-01-10",
        org_unit_id=users.group_id,
    )
    url = f"/api/v1/people/{person['id']}/transitions"
    step = await api.post(
        url,
        json={"to_stage": "probationary", "occurred_on": "2024-07-01", "document_ref": "决议3号"},
        headers=users.secretary,
    )
    assert step.status_code == 201, step.text
    assert step.json()["from_stage_label"] == "发展对象"
    assert step.json()["to_stage_label"] == "预备党员"
    assert step.json()["recorded_by"] == "secretary-user"

    history = (await api.get(url, headers=users.viewer)).json()
    assert [s["to_stage"] for s in history] == ["candidate", "probationary"]
    after = (await api.get(f"/api/v1/people/{person['id']}", headers=users.admin)).json()
    assert after["stage"] == "probationary" and after["probation_ends_on"] == "2025-07-01"


async def test_refusals_use_the_error_schema(api, users):
    person = await new_person(api, users.admin, "E20", org_unit_id=users.group_id)
    url = f"/api/v1/people/{person['id']}"

    duplicate = await api.post(
        "/api/v1/people", json={"employee_no": "E20", "name": "重复"}, headers=users.admin
    )
    assert "E20" in assert_error(duplicate, 409, "conflict")["message"]
    same_stage = await api.post(
        f"{url}/transitions",
        json={"to_stage": "masses", "occurred_on": "2024-01-01"},
        headers=users.admin,
    )
    assert_error(same_stage, 409, "conflict")
    far_future = await api.post(
        f"{url}/transitions",
        json={"to_stage": "probationary", "occurred_on": "9999-12-31"},
        headers=users.admin,
    )
    assert assert_error(far_future, 422, "validation_error")["details"][0]["field"] == (
        "body.occurred_on"
    )
    blank = await api.patch(url, json={"name": None, "status": None}, headers=users.admin)
    fields = {d["field"] for d in assert_error(blank, 422, "validation_error")["details"]}
    assert fields == {"body.name", "body.status"}
    no_unit = await api.post(
        "/api/v1/people",
        json={"employee_no": "E21", "name": "无单位", "org_unit_id": 999_999},
        headers=users.admin,
    )
    assert_error(no_unit, 422, "validation_error")
    nul = await api.post(
        "/api/v1/people", json={"employee_no": "E22", "name": "a\u0000b"}, headers=users.admin
    )
    assert_error(nul, 422, "validation_error")
    huge = await api.get("/api/v1/people/3000000000", headers=users.admin)
    assert_error(huge, 422, "validation_error")
    missing = await api.get("/api/v1/people/424242", headers=users.admin)
    assert_error(missing, 404, "not_found")


async def test_writes_are_audited(api, users):
    person = await new_person(api, users.secretary, "E30", org_unit_id=users.group_id)
    await api.patch(
        f"/api/v1/people/{person['id']}", json={"note": "备注"}, headers=users.secretary
    )
    async with api.sessions() as session:
        entries = (
            await session.exec(
                select(AuditLog)
                .where(AuditLog.target_type == "person")
                .where(AuditLog.target_id == str(person["id"]))
            )
        ).all()
    actions = {(entry.action, entry.actor_name) for entry in entries}
    assert actions == {("person.create", "secretary-user"), ("person.update", "secretary-user")}
    assert all(entry.request_id for entry in entries)

    trail = await api.get(
        "/api/v1/audit",
        params={"action": "person.", "target_id": person["id"]},
        headers=users.admin,
    )
    assert trail.status_code == 200
    assert [e["action"] for e in trail.json()["items"]] == ["person.update", "person.create"]
    assert trail.json()["items"][0]["after"]["note"] == "备注"
