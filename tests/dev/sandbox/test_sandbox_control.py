"""The /_sandbox control API."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from tests.support.sandbox import Wx, client_for


async def test_followers_and_deliveries_polling(
    client: httpx.AsyncClient, wx: Wx, state: SandboxState
) -> None:
    a = (await client.post("/_sandbox/followers", json={"nickname": "甲"})).json()["openid"]
    b = (await client.post("/_sandbox/followers", json={"openid": "o_b", "nickname": "乙"})).json()
    assert b["openid"] == "o_b" and b["subscribed"] is True
    listed = (await client.get("/_sandbox/followers")).json()["followers"]
    assert [f["nickname"] for f in listed] == ["甲", "乙"]
    state.open_window(a, "message")
    state.open_window("o_b", "message")
    for openid in (a, "o_b", a):
        message = {"touser": openid, "msgtype": "text", "text": {"content": "hi"}}
        assert (await wx.post("/cgi-bin/message/custom/send", message))["errcode"] == 0
    page = (await client.get("/_sandbox/deliveries", params={"openid": a})).json()
    assert [d["openid"] for d in page["deliveries"]] == [a, a]
    since = page["deliveries"][0]["id"]
    newer = (await client.get("/_sandbox/deliveries", params={"since_id": since})).json()
    assert [d["openid"] for d in newer["deliveries"]] == ["o_b", a]
    empty = (await client.get("/_sandbox/deliveries", params={"since_id": newer["last_id"]})).json()
    assert empty == {"deliveries": [], "last_id": newer["last_id"]}
    window = (await client.get(f"/_sandbox/followers/{a}")).json()["window"]
    assert window["kind"] == "message" and window["used"] == 2


async def test_reset_forgets_everything_but_ids_keep_rising(
    client: httpx.AsyncClient, wx: Wx, state: SandboxState
) -> None:
    member = state.add_follower().openid
    state.open_window(member, "message")
    message = {"touser": member, "msgtype": "text", "text": {"content": "hi"}}
    await wx.post("/cgi-bin/message/custom/send", message)
    last_id = state.deliveries[-1].id
    state.faults.error_rate = 1.0
    assert (await client.post("/_sandbox/reset")).json() == {"ok": True}
    assert state.followers == {} and state.deliveries == [] and state.faults.error_rate == 0
    assert (await wx.get("/cgi-bin/menu/get"))["errcode"] == 46003  # old token forgotten
    member = state.add_follower().openid
    state.open_window(member, "message")
    await wx.post("/cgi-bin/message/custom/send", {**message, "touser": member})
    assert state.deliveries[-1].id > last_id


async def test_clock_control_moves_sandbox_time(
    client: httpx.AsyncClient, wx: Wx, state: SandboxState
) -> None:
    token = await wx.token()
    before = state.now()
    moved = (await client.post("/_sandbox/clock", json={"offset_seconds": 7200})).json()
    assert moved["now"] == before + 7200 and moved["offset_seconds"] == 7200
    response = await client.get("/cgi-bin/menu/get", params={"access_token": token})
    assert response.json()["errcode"] == 42001


async def test_stats_templates_subscriptions_menu_and_calls(
    client: httpx.AsyncClient, wx: Wx
) -> None:
    await wx.get("/cgi-bin/menu/get")
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["calls"]["/cgi-bin/menu/get"] == {"46003": 1}
    assert stats["token_fetches"]["total"] == 1
    templates = (await client.get("/_sandbox/templates")).json()["templates"]
    assert {t["kind"] for t in templates} == {"template", "subscribe"}
    grant = {"openid": "o1", "template_id": "sandbox_sub_reminder", "count": 2}
    assert (await client.post("/_sandbox/subscriptions", json=grant)).json()["remaining"] == 2
    assert (await client.get("/_sandbox/menu")).json() == {"menu": None}
    calls = (await client.get("/_sandbox/calls")).json()["calls"]
    assert [c["path"] for c in calls] == ["/cgi-bin/token", "/cgi-bin/menu/get"]
    assert (await client.get("/_sandbox/drafts/nope")).status_code == 404
    assert (await client.post("/_sandbox/jobs/mass/1/finish")).status_code == 404


async def test_state_can_be_passed_in_and_the_app_mounted(config: SandboxConfig) -> None:
    state = SandboxState()
    state.add_follower("o_pre", nickname="预置")
    sandbox = create_sandbox_app(config, state)
    assert sandbox.state.sandbox is state and state.config is config
    host = FastAPI()
    host.mount("/sandbox", sandbox)
    async with client_for(host) as client:
        token = (
            await client.get(
                "/sandbox/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": config.app_id,
                    "secret": config.app_secret,
                },
            )
        ).json()["access_token"]
        info = await client.get(
            "/sandbox/cgi-bin/user/info", params={"access_token": token, "openid": "o_pre"}
        )
        assert info.json()["subscribe"] == 1
        page = await client.get(
            "/sandbox/connect/oauth2/authorize",
            params={
                "appid": config.app_id,
                "redirect_uri": "https://x/m/",
                "response_type": "code",
                "scope": "snsapi_base",
            },
        )
        assert "预置" in page.text


async def test_templates_name_their_fields_in_chinese(client: httpx.AsyncClient) -> None:
    """The simulator's card shows 通知事项 / 时间, never thing1 / time3."""
    import re

    templates = (await client.get("/_sandbox/templates")).json()["templates"]
    notice = next(t for t in templates if t["template_id"] == "sandbox_tpl_notice")
    assert notice["labels"] == {"thing1": "通知事项", "thing2": "通知内容", "time3": "时间"}
    added = await client.post(
        "/_sandbox/templates", json={"title": "会议通知", "keys": ["thing1", "time2"]}
    )
    assert added.json()["labels"] == {"thing1": "事项", "time2": "时间"}
    for template in (await client.get("/_sandbox/templates")).json()["templates"]:
        assert set(template["labels"]) == set(template["keys"])
        for label in template["labels"].values():
            assert re.fullmatch(r"[\u4e00-\u9fff]+", label), label
