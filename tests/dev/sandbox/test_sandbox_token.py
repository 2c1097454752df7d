"""access_token rules: expiry, the 5-minute overlap, stable_token and its forced refresh."""

from __future__ import annotations

import httpx

from app.dev.sandbox import Faults, SandboxState
from tests.support.sandbox import APP_ID, APP_SECRET, FakeClock, Wx

CREDENTIALS = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}


async def menu_errcode(client: httpx.AsyncClient, token: str | None) -> int:
    params = {"access_token": token} if token is not None else {}
    response = await client.get("/cgi-bin/menu/get", params=params)
    return int(response.json()["errcode"])


async def stable(client: httpx.AsyncClient, force: bool = False) -> dict[str, object]:
    response = await client.post(
        "/cgi-bin/stable_token", json={**CREDENTIALS, "force_refresh": force}
    )
    return dict(response.json())


async def test_token_is_issued_with_its_lifetime(client: httpx.AsyncClient) -> None:
    body = (await client.get("/cgi-bin/token", params=CREDENTIALS)).json()
    assert body["expires_in"] == 7200
    assert len(body["access_token"]) == 136
    assert await menu_errcode(client, body["access_token"]) == 46003  # valid, just no menu


async def test_wrong_credentials(client: httpx.AsyncClient) -> None:
    async def errcode(**change: str) -> int:
        response = await client.get("/cgi-bin/token", params={**CREDENTIALS, **change})
        return int(response.json()["errcode"])

    assert await errcode(secret="nope") == 40125
    assert await errcode(appid="wx-other") == 40013
    assert await errcode(grant_type="password") == 40002
    assert await errcode(appid="") == 41002


async def test_missing_and_garbage_tokens(client: httpx.AsyncClient) -> None:
    assert await menu_errcode(client, None) == 41001
    assert await menu_errcode(client, "garbage") == 40001
    body = (await client.get("/cgi-bin/menu/get", params={"access_token": "x"})).json()
    assert body["errmsg"].startswith("invalid credential, access_token is invalid or not latest")


async def test_token_expires_after_its_ttl(
    client: httpx.AsyncClient, clock: FakeClock, wx: Wx
) -> None:
    token = await wx.token()
    clock.advance(7199)
    assert await menu_errcode(client, token) == 46003
    clock.advance(1)
    assert await menu_errcode(client, token) == 42001


async def test_refetch_leaves_old_token_five_minutes(
    client: httpx.AsyncClient, clock: FakeClock, wx: Wx, state: SandboxState
) -> None:
    old = await wx.token()
    clock.advance(60)
    new = await wx.token()
    assert new != old
    clock.advance(299)
    assert await menu_errcode(client, old) == 46003
    clock.advance(1)
    assert await menu_errcode(client, old) == 40001
    assert await menu_errcode(client, new) == 46003
    assert state.token_fetches["token"] == 2
    assert state.token_fetch_count == 2


async def test_stable_token_returns_the_same_token_until_its_last_minutes(
    client: httpx.AsyncClient, clock: FakeClock, state: SandboxState
) -> None:
    first = await stable(client)
    clock.advance(1000)
    again = await stable(client)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 6200
    clock.advance(7200 - 1000 - 301)
    assert (await stable(client))["access_token"] == first["access_token"]
    clock.advance(2)  # now 299 s left: WeChat hands out the successor
    renewed = await stable(client)
    assert renewed["access_token"] != first["access_token"]
    assert renewed["expires_in"] == 7200
    assert await menu_errcode(client, str(first["access_token"])) == 46003  # still valid
    clock.advance(299)
    assert await menu_errcode(client, str(first["access_token"])) == 42001
    assert state.token_fetches["stable_token"] == 4
    assert state.tokens_issued == 2


async def test_force_refresh_invalidates_at_once_and_is_limited(
    client: httpx.AsyncClient, clock: FakeClock, state: SandboxState
) -> None:
    first = await stable(client)
    forced = await stable(client, force=True)
    assert forced["access_token"] != first["access_token"]
    assert await menu_errcode(client, str(first["access_token"])) == 40001
    clock.advance(29)
    assert (await stable(client, force=True))["errcode"] == 45011
    clock.advance(1)
    assert "access_token" in await stable(client, force=True)
    for _ in range(18):
        clock.advance(30)
        assert "access_token" in await stable(client, force=True)
    clock.advance(30)
    assert (await stable(client, force=True))["errcode"] == 45009  # 21st of the day
    assert state.token_fetches["stable_token_force"] == 20


async def test_stable_token_checks_credentials(client: httpx.AsyncClient) -> None:
    response = await client.post("/cgi-bin/stable_token", json={**CREDENTIALS, "secret": "x"})
    assert response.json()["errcode"] == 40125
    assert (await client.get("/cgi-bin/stable_token")).json()["errcode"] == 43002


async def test_token_daily_quota_and_stats(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.faults = Faults(daily_quotas={"/cgi-bin/token": 2})
    for _ in range(2):
        assert "access_token" in (await client.get("/cgi-bin/token", params=CREDENTIALS)).json()
    assert (await client.get("/cgi-bin/token", params=CREDENTIALS)).json()["errcode"] == 45009
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["token_fetches"] == {
        "token": 2,
        "stable_token": 0,
        "stable_token_force": 0,
        "total": 2,
    }
    assert stats["calls"]["/cgi-bin/token"] == {"0": 2, "45009": 1}
