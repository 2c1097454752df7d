"""OAuth2 web authorisation and the JS-SDK ticket."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from app.dev.sandbox import SandboxState, create_sandbox_app
from tests.support.sandbox import APP_ID, APP_SECRET, FakeClock, Wx, client_for, make_config

REDIRECT = "https://party.example.com/m/checkin?meeting=7"


def authorize_params(**change: str) -> dict[str, str]:
    params = {
        "appid": APP_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "xyz",
    }
    return {**params, **change}


async def get_code(client: httpx.AsyncClient, openid: str) -> str:
    response = await client.get("/connect/oauth2/authorize", params=authorize_params(openid=openid))
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    query = parse_qs(target.query)
    assert target.netloc == "party.example.com" and target.path == "/m/checkin"
    assert query["meeting"] == ["7"] and query["state"] == ["xyz"]
    return query["code"][0]


async def exchange(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    params = {
        "appid": APP_ID,
        "secret": APP_SECRET,
        "code": code,
        "grant_type": "authorization_code",
    }
    return dict((await client.get("/sns/oauth2/access_token", params=params)).json())


async def test_code_is_bound_to_the_member_and_single_use(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    member = state.add_follower(nickname="赵六").openid
    code = await get_code(client, member)
    body = await exchange(client, code)
    assert body["openid"] == member and body["scope"] == "snsapi_base"
    assert body["expires_in"] == 7200 and body["refresh_token"]
    again = await exchange(client, code)
    assert again["errcode"] == 40163
    assert str(again["errmsg"]).startswith("code been used")
    assert (await exchange(client, "made-up"))["errcode"] == 40029


async def test_code_expires_after_five_minutes(
    client: httpx.AsyncClient, state: SandboxState, clock: FakeClock
) -> None:
    code = await get_code(client, state.add_follower().openid)
    clock.advance(301)
    assert (await exchange(client, code))["errcode"] == 40029


async def test_cookie_remembers_the_chosen_member(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    member = state.add_follower().openid
    await get_code(client, member)  # sets the sandbox_openid cookie on the client
    response = await client.get("/connect/oauth2/authorize", params=authorize_params())
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    assert (await exchange(client, code))["openid"] == member


async def test_picker_page_lists_followers(client: httpx.AsyncClient, state: SandboxState) -> None:
    state.add_follower("o_picker_member_0000000000000", nickname="孙七")
    response = await client.get("/connect/oauth2/authorize", params=authorize_params())
    assert response.status_code == 200
    assert "孙七" in response.text and "请选择要扮演的关注者" in response.text
    assert "openid=o_picker_member_0000000000000" in response.text


async def test_error_pages(client: httpx.AsyncClient) -> None:
    wrong_app = await client.get("/connect/oauth2/authorize", params=authorize_params(appid="wx0"))
    assert wrong_app.status_code == 200 and "appid 参数错误" in wrong_app.text
    bad_scope = await client.get("/connect/oauth2/authorize", params=authorize_params(scope="x"))
    assert "scope" in bad_scope.text
    bad_uri = await client.get(
        "/connect/oauth2/authorize", params=authorize_params(redirect_uri="javascript:1")
    )
    assert "redirect_uri 参数错误" in bad_uri.text


async def test_subscription_account_has_no_web_authorisation(clock: FakeClock) -> None:
    app = create_sandbox_app(make_config(clock, account_type="subscription"))
    member = app.state.sandbox.add_follower().openid
    async with client_for(app) as client:
        response = await client.get(
            "/connect/oauth2/authorize", params=authorize_params(openid=member)
        )
    assert response.status_code == 200
    assert "此公众号并没有这些 scope 的权限" in response.text


async def test_userinfo_needs_the_userinfo_scope(
    client: httpx.AsyncClient, state: SandboxState
) -> None:
    member = state.add_follower(nickname="周八").openid
    base = await exchange(client, await get_code(client, member))
    params = {"access_token": base["access_token"], "openid": member}
    assert (await client.get("/sns/userinfo", params=params)).json()["errcode"] == 48001
    response = await client.get(
        "/connect/oauth2/authorize",
        params=authorize_params(scope="snsapi_userinfo", openid=member),
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    full = await exchange(client, code)
    params = {"access_token": full["access_token"], "openid": member}
    assert (await client.get("/sns/userinfo", params=params)).json()["nickname"] == "周八"


async def test_jsapi_ticket_is_stable_until_it_expires(wx: Wx, clock: FakeClock) -> None:
    first = await wx.get("/cgi-bin/ticket/getticket", type="jsapi")
    assert first["errcode"] == 0 and first["expires_in"] == 7200
    assert (await wx.get("/cgi-bin/ticket/getticket", type="jsapi"))["ticket"] == first["ticket"]
    clock.advance(7200)
    renewed = await wx.get("/cgi-bin/ticket/getticket", type="jsapi")
    assert renewed["ticket"] != first["ticket"]
    assert (await wx.get("/cgi-bin/ticket/getticket", type="bogus"))["errcode"] == 40097
