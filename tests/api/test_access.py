"""Who may see and do what: the secretary's scope (404 outside it) and the viewer's 403s."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, new_person


async def test_me_tells_role_and_scope(api, users):
    me = (await api.get("/api/v1/me", headers=users.secretary)).json()
    assert me["role"] == "secretary" and me["can_write"] and not me["is_admin"]
    assert me["unit_ids"] == [users.group_id]
    admin = (await api.get("/api/v1/me", headers=users.admin)).json()
    assert admin["unit_ids"] is None and admin["is_admin"]
    viewer = (await api.get("/api/v1/me", headers=users.viewer)).json()
    assert viewer["role_label"] == "只读" and not viewer["can_write"]


async def test_secretary_sees_and_touches_only_their_unit(api, users):
    mine = await new_person(api, users.admin, "S01", org_unit_id=users.group_id)
    theirs = await new_person(api, users.admin, "S02", org_unit_id=users.other_group_id)
    await new_person(api, users.admin, "S03")  # no unit: only admins and viewers see it

    listed = (await api.get("/api/v1/people", headers=users.secretary)).json()
    assert [p["employee_no"] for p in listed["items"]] == ["S01"] and listed["total"] == 1
    filtered = await api.get(
        "/api/v1/people", params={"org_unit_id": users.other_group_id}, headers=users.secretary
    )
    assert filtered.json()["total"] == 0
    assert (await api.get(f"/api/v1/people/{mine['id']}", headers=users.secretary)).is_success

    outside = f"/api/v1/people/{theirs['id']}"
    for response in (
        await api.get(outside, headers=users.secretary),
        await api.patch(outside, json={"note": "x"}, headers=users.secretary),
        await api.get(f"{outside}/transitions", headers=users.secretary),
        await api.post(
            f"{outside}/transitions",
            json={"to_stage": "applicant", "occurred_on": "2024-01-01"},
            headers=users.secretary,
        ),
        await api.get(f"{outside}/binding-codes", headers=users.secretary),
        await api.post(f"{outside}/binding-codes", headers=users.secretary),
        await api.delete(f"{outside}/binding", headers=users.secretary),
    ):
        # Exactly what a missing person gets: existence outside the scope is not revealed.
        assert_error(response, 404, "not_found")
        assert (
            response.json()
            == (await api.get("/api/v1/people/999999", headers=users.secretary)).json()
        )


async def test_secretary_cannot_place_people_outside_their_unit(api, users):
    person = await new_person(api, users.secretary, "S10", org_unit_id=users.group_id)
    for body in (
        {"employee_no": "S11", "name": "外组", "org_unit_id": users.other_group_id},
        {"employee_no": "S12", "name": "无组"},
    ):
        response = await api.post("/api/v1/people", json=body, headers=users.secretary)
        assert_error(response, 422, "validation_error")
    moved = await api.patch(
        f"/api/v1/people/{person['id']}",
        json={"org_unit_id": users.other_group_id},
        headers=users.secretary,
    )
    assert_error(moved, 422, "validation_error")
    units = (await api.get("/api/v1/org-units", headers=users.secretary)).json()
    assert [u["id"] for u in units] == [users.group_id]
    everything = (await api.get("/api/v1/org-units", headers=users.viewer)).json()
    assert {u["path"] for u in everything} >= {"神特新材党支部/第一党小组", "神特新材党委"}


async def test_viewer_gets_403_on_every_write(api, users):
    person = await new_person(api, users.admin, "V01", org_unit_id=users.group_id)
    url = f"/api/v1/people/{person['id']}"
    writes = [
        ("POST", "/api/v1/people", {"employee_no": "V02", "name": "只读"}),
        ("PATCH", url, {"note": "x"}),
        ("POST", f"{url}/transitions", {"to_stage": "applicant", "occurred_on": "2024-01-01"}),
        ("POST", f"{url}/binding-codes", None),
        ("DELETE", f"{url}/binding", None),
        ("DELETE", "/api/v1/binding-codes/1", None),
        ("POST", "/api/v1/tokens", {"name": "mine"}),
        ("DELETE", "/api/v1/tokens/1", None),
        ("POST", "/api/v1/admin-users", None),
        ("POST", "/api/v1/people/import", None),
    ]
    for method, path, body in writes:
        response = await api.request(method, path, json=body, headers=users.viewer)
        assert_error(response, 403, "forbidden")
    unchanged = (await api.get(url, headers=users.admin)).json()
    assert unchanged == person


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/admin-users"])
async def test_admin_only_reads(api, users, path):
    assert_error(await api.get(path, headers=users.secretary), 403, "forbidden")
    assert_error(await api.get(path, headers=users.viewer), 403, "forbidden")
    assert (await api.get(path, headers=users.admin)).status_code == 200


async def test_admin_creates_console_users(api, users):
    body = {
        "username": "li.si",
        "display_name": "李四",
        "password": "long enough pw",
        "role": "secretary",
        "org_unit_id": users.other_group_id,
    }
    created = await api.post("/api/v1/admin-users", json=body, headers=users.admin)
    assert created.status_code == 201, created.text
    assert created.json()["role_label"] == "支部书记" and "password" not in created.text
    again = await api.post("/api/v1/admin-users", json=body, headers=users.admin)
    assert_error(again, 409, "conflict")
    short = await api.post(
        "/api/v1/admin-users",
        json={**body, "username": "w", "password": "Xq9!zz"},
        headers=users.admin,
    )
    error = assert_error(short, 422, "validation_error")
    assert "Xq9!zz" not in short.text and error["details"][0]["field"] == "body.password"
    no_unit = {**body, "username": "wang.wu", "org_unit_id": None}
    assert_error(
        await api.post("/api/v1/admin-users", json=no_unit, headers=users.admin),
        422,
        "validation_error",
    )
    names = [
        u["username"] for u in (await api.get("/api/v1/admin-users", headers=users.admin)).json()
    ]
    assert names == ["admin-user", "secretary-user", "viewer-user", "li.si"]
