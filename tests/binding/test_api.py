"""Binding codes through the API: the plaintext once, then only metadata; revoke; unbind."""

from __future__ import annotations

from app.db import unit_of_work
from app.services.binding import codes as binding_service
from tests.support.api import assert_error, new_person


async def test_issue_list_and_revoke_a_code(api, users, clock):
    person = await new_person(api, users.admin, "B01", org_unit_id=users.group_id)
    url = f"/api/v1/people/{person['id']}/binding-codes"

    issued = await api.post(url, headers=users.secretary)
    assert issued.status_code == 201, issued.text
    code = issued.json()
    assert len(code["code"]) == binding_service.CODE_LENGTH and code["expires_at"]

    listed = await api.get(url, headers=users.viewer)
    assert [c["id"] for c in listed.json()] == [code["id"]]
    assert code["code"] not in listed.text and "code_hash" not in listed.text
    assert listed.json()[0]["created_by"] == "secretary-user"

    revoked = await api.delete(f"/api/v1/binding-codes/{code['id']}", headers=users.secretary)
    assert revoked.status_code == 204
    assert (await api.get(url, headers=users.admin)).json() == []
    missing = await api.delete("/api/v1/binding-codes/999999", headers=users.admin)
    assert_error(missing, 404, "not_found")


async def test_codes_outside_scope_are_not_found(api, users):
    person = await new_person(api, users.admin, "B02", org_unit_id=users.other_group_id)
    code = (
        await api.post(f"/api/v1/people/{person['id']}/binding-codes", headers=users.admin)
    ).json()
    response = await api.delete(f"/api/v1/binding-codes/{code['id']}", headers=users.secretary)
    assert_error(response, 404, "not_found")
    still = await api.get(f"/api/v1/people/{person['id']}/binding-codes", headers=users.admin)
    assert [c["id"] for c in still.json()] == [code["id"]]


async def test_unbind(api, users, clock):
    person = await new_person(api, users.admin, "B03", org_unit_id=users.group_id)
    url = f"/api/v1/people/{person['id']}"
    assert_error(await api.delete(f"{url}/binding", headers=users.admin), 404, "not_found")

    code = (await api.post(f"{url}/binding-codes", headers=users.admin)).json()["code"]
    async with unit_of_work(api.sessions) as session:
        result = await binding_service.redeem(session, openid="o-test-1", code=code, now=clock())
    assert result.outcome == "bound"
    assert (await api.get(url, headers=users.admin)).json()["wechat_bound"] is True

    assert (await api.delete(f"{url}/binding", headers=users.secretary)).status_code == 204
    assert (await api.get(url, headers=users.admin)).json()["wechat_bound"] is False
