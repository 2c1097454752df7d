"""API tokens: shown once, listed without the secret, revoked at once."""

from __future__ import annotations

from tests.support.api import assert_error


async def test_create_use_list_and_revoke_a_token(api, users):
    created = await api.post("/api/v1/tokens", json={"name": "nightly export"}, headers=users.admin)
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["token"].startswith("st_") and token["prefix"] == token["token"][:10]
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert (await api.get("/api/v1/me", headers=bearer)).json()["username"] == "admin-user"

    listed = (await api.get("/api/v1/tokens", headers=users.admin)).json()
    assert token["id"] in [t["id"] for t in listed]
    assert token["token"] not in (await api.get("/api/v1/tokens", headers=users.admin)).text

    revoked = await api.delete(f"/api/v1/tokens/{token['id']}", headers=users.admin)
    assert revoked.status_code == 204
    assert_error(await api.get("/api/v1/me", headers=bearer), 401, "unauthorized")


async def test_only_owners_and_admins_revoke(api, users):
    mine = (
        await api.post("/api/v1/tokens", json={"name": "secretary's"}, headers=users.secretary)
    ).json()
    admins = (await api.get("/api/v1/tokens", headers=users.admin)).json()
    theirs = next(t for t in admins if t["owner"] == "admin-user")

    # A secretary neither sees nor revokes someone else's token: 404, as if it did not exist.
    own_list = (await api.get("/api/v1/tokens", headers=users.secretary)).json()
    assert {t["owner"] for t in own_list} == {"secretary-user"}
    other = await api.delete(f"/api/v1/tokens/{theirs['id']}", headers=users.secretary)
    assert_error(other, 404, "not_found")
    assert (await api.get("/api/v1/me", headers=users.admin)).status_code == 200
    by_admin = await api.delete(f"/api/v1/tokens/{mine['id']}", headers=users.admin)
    assert by_admin.status_code == 204


async def test_credentials_are_required(api, users):
    for headers in ({}, {"Authorization": "Bearer st_not-a-token"}, {"Authorization": "Basic x"}):
        response = await api.get("/api/v1/people", headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
