"""Branch roles and study pairs through the API: the rules, scope (404), viewers (403)."""

from __future__ import annotations

from tests.support.api import assert_error, new_person


async def test_roles_assign_list_refuse_and_remove(api, users):
    wang = await new_person(api, users.admin, "R01", org_unit_id=users.group_id, stage="full")
    li = await new_person(api, users.admin, "R02", org_unit_id=users.group_id, stage="full")
    masses = await new_person(api, users.admin, "R03", org_unit_id=users.group_id)
    url = f"/api/v1/people/{wang['id']}/roles"
    body = {"org_unit_id": users.branch_id, "role": "secretary", "since": "2023-03-01"}

    created = await api.post(url, json=body, headers=users.admin)
    assert created.status_code == 201, created.text
    role = created.json()
    assert role["role_label"] == "支部书记" and role["org_unit"] == "神特新材党支部"
    assert role["person_id"] == wang["id"] and role["since"] == "2023-03-01"
    group = {"org_unit_id": users.group_id, "role": "group_leader"}
    assert (await api.post(url, json=group, headers=users.secretary)).status_code == 201
    listed = await api.get(url, headers=users.viewer)
    assert [r["role"] for r in listed.json()] == ["secretary", "group_leader"]

    assert_error(await api.post(url, json=body, headers=users.admin), 409, "conflict")
    taken = await api.post(f"/api/v1/people/{li['id']}/roles", json=body, headers=users.admin)
    error = assert_error(taken, 409, "conflict")
    assert "已有支部书记 测试R01（工号 R01）" in error["message"]
    refused = await api.post(f"/api/v1/people/{masses['id']}/roles", json=body, headers=users.admin)
    assert "只有党员" in assert_error(refused, 422, "validation_error")["message"]
    bad = {"org_unit_id": 999_999, "role": "secretary"}
    assert_error(await api.post(url, json=bad, headers=users.admin), 422, "validation_error")
    wrong = {"org_unit_id": users.group_id, "role": "chairman"}
    assert_error(await api.post(url, json=wrong, headers=users.admin), 422, "validation_error")

    removed = await api.delete(f"/api/v1/roles/{role['id']}", headers=users.admin)
    assert removed.status_code == 204
    again = await api.delete(f"/api/v1/roles/{role['id']}", headers=users.admin)
    assert_error(again, 404, "not_found")
    assert [r["role"] for r in (await api.get(url, headers=users.admin)).json()] == ["group_leader"]
    moved = await api.post(f"/api/v1/people/{li['id']}/roles", json=body, headers=users.admin)
    assert moved.status_code == 201


async def test_pairs_create_list_and_end(api, users):
    lead = await new_person(api, users.admin, "P01", org_unit_id=users.group_id, is_manager=True)
    one = await new_person(api, users.admin, "P02", org_unit_id=users.group_id)
    two = await new_person(api, users.admin, "P03", org_unit_id=users.group_id)
    url = f"/api/v1/people/{lead['id']}/study-pairs"
    body = {"other_person_id": one["id"], "side": "leader", "started_on": "2024-03-01"}

    created = await api.post(url, json=body, headers=users.secretary)
    assert created.status_code == 201, created.text
    pair = created.json()
    assert (pair["leader_name"], pair["partner_name"], pair["active"]) == (
        "测试P01",
        "测试P02",
        True,
    )
    reverse = {"other_person_id": lead["id"], "side": "leader", "started_on": "2024-04-01"}
    duplicate = await api.post(
        f"/api/v1/people/{one['id']}/study-pairs", json=reverse, headers=users.admin
    )
    assert_error(duplicate, 409, "conflict")
    own = {**body, "other_person_id": lead["id"]}
    assert_error(await api.post(url, json=own, headers=users.admin), 422, "validation_error")
    missing = {**body, "other_person_id": 999_999}
    error = assert_error(
        await api.post(url, json=missing, headers=users.admin), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "body.other_person_id"
    studies = {"other_person_id": two["id"], "side": "partner", "started_on": "2024-05-01"}
    second = (await api.post(url, json=studies, headers=users.admin)).json()
    assert (second["leader_id"], second["partner_id"]) == (two["id"], lead["id"])

    end = f"/api/v1/study-pairs/{second['id']}/end"
    early = await api.post(end, json={"ended_on": "2024-04-30"}, headers=users.admin)
    assert_error(early, 422, "validation_error")
    ended = await api.post(end, json={"ended_on": "2024-12-31"}, headers=users.secretary)
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_on"] == "2024-12-31" and ended.json()["active"] is False
    twice = await api.post(end, json={"ended_on": "2025-01-01"}, headers=users.admin)
    assert_error(twice, 409, "conflict")
    listed = (await api.get(url, headers=users.viewer)).json()
    assert [(p["id"], p["active"]) for p in listed] == [(pair["id"], True), (second["id"], False)]
    from_partner = await api.get(f"/api/v1/people/{two['id']}/study-pairs", headers=users.admin)
    assert [p["id"] for p in from_partner.json()] == [second["id"]]
    nowhere = await api.post(
        "/api/v1/study-pairs/999999/end", json={"ended_on": "2025-01-01"}, headers=users.admin
    )
    assert_error(nowhere, 404, "not_found")


async def test_scope_and_viewer(api, users):
    mine = await new_person(api, users.admin, "S01", org_unit_id=users.group_id, stage="full")
    theirs = await new_person(api, users.admin, "S02", org_unit_id=users.other_group_id)
    branch = {"org_unit_id": users.branch_id, "role": "secretary"}
    role = (
        await api.post(f"/api/v1/people/{mine['id']}/roles", json=branch, headers=users.admin)
    ).json()
    cross = {"other_person_id": theirs["id"], "side": "leader", "started_on": "2024-03-01"}
    pair = (
        await api.post(f"/api/v1/people/{mine['id']}/study-pairs", json=cross, headers=users.admin)
    ).json()

    outside = f"/api/v1/people/{theirs['id']}"
    group = {"org_unit_id": users.group_id, "role": "group_leader"}
    back = {"other_person_id": mine["id"], "side": "leader", "started_on": "2024-03-01"}
    for response in (
        await api.get(f"{outside}/roles", headers=users.secretary),
        await api.post(f"{outside}/roles", json=group, headers=users.secretary),
        await api.get(f"{outside}/study-pairs", headers=users.secretary),
        await api.post(f"{outside}/study-pairs", json=back, headers=users.secretary),
        # The role's unit (the branch) and the pair's other person lie outside the scope.
        await api.delete(f"/api/v1/roles/{role['id']}", headers=users.secretary),
        await api.post(
            f"/api/v1/study-pairs/{pair['id']}/end",
            json={"ended_on": "2024-12-31"},
            headers=users.secretary,
        ),
    ):
        assert_error(response, 404, "not_found")
    url = f"/api/v1/people/{mine['id']}"
    branch_by_secretary = await api.post(f"{url}/roles", json=branch, headers=users.secretary)
    assert_error(branch_by_secretary, 422, "validation_error")
    pair_by_secretary = await api.post(f"{url}/study-pairs", json=cross, headers=users.secretary)
    assert_error(pair_by_secretary, 422, "validation_error")
    listed = await api.get(f"{url}/study-pairs", headers=users.secretary)
    assert [p["partner_name"] for p in listed.json()] == ["测试S02"]

    for method, path, body in (
        ("POST", f"{url}/roles", group),
        ("DELETE", f"/api/v1/roles/{role['id']}", None),
        ("POST", f"{url}/study-pairs", cross),
        ("POST", f"/api/v1/study-pairs/{pair['id']}/end", {"ended_on": "2024-12-31"}),
    ):
        response = await api.request(method, path, json=body, headers=users.viewer)
        assert_error(response, 403, "forbidden")
    assert len((await api.get(f"{url}/roles", headers=users.admin)).json()) == 1
    assert (await api.get(f"{url}/study-pairs", headers=users.admin)).json()[0]["active"]
