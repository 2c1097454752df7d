"""Template messages and subscribe notifications: account kind, field rules, one-time grants."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.dev.sandbox import SandboxState, create_sandbox_app
from tests.support.sandbox import FakeClock, Wx, client_for, make_config

TEMPLATE = "/cgi-bin/message/template/send"
BIZSEND = "/cgi-bin/message/subscribe/bizsend"
TPL = "sandbox_tpl_reminder"
SUB = "sandbox_sub_reminder"


def template(openid: str, **values: str) -> dict[str, Any]:
    data = {key: {"value": value} for key, value in values.items()}
    return {"touser": openid, "template_id": TPL, "url": "https://x/m/1", "data": data}


@pytest.fixture
def member(state: SandboxState) -> str:
    return state.add_follower(nickname="李四").openid


async def test_template_send_is_delivered_with_a_msgid(
    wx: Wx, member: str, state: SandboxState
) -> None:
    body = await wx.post(
        TEMPLATE, template(member, thing1="七月主题党日", time2="2025年7月1日 14:30")
    )
    assert body["errcode"] == 0 and body["errmsg"] == "ok"
    delivery = state.deliveries[-1]
    assert (delivery.channel, delivery.msgid, delivery.openid) == (
        "template",
        body["msgid"],
        member,
    )
    assert delivery.payload["data"]["thing1"] == {"value": "七月主题党日"}
    assert state.template_sends[body["msgid"]].openid == member


async def test_field_of_twenty_characters_passes_and_twenty_one_fails(wx: Wx, member: str) -> None:
    assert (await wx.post(TEMPLATE, template(member, thing1="学" * 20)))["errcode"] == 0
    body = await wx.post(TEMPLATE, template(member, thing1="学" * 21))
    assert body["errcode"] == 47003
    assert body["errmsg"].startswith("argument invalid! data.thing1.value invalid")


@pytest.mark.parametrize("value", ["第一行\n第二行", "回车\r"])
async def test_line_breaks_are_refused(wx: Wx, member: str, value: str) -> None:
    assert (await wx.post(TEMPLATE, template(member, thing3=value)))["errcode"] == 47003


async def test_unknown_template_and_unknown_or_gone_member(
    wx: Wx, member: str, state: SandboxState
) -> None:
    body = template(member, thing1="x")
    assert (await wx.post(TEMPLATE, {**body, "template_id": "nope"}))["errcode"] == 40037
    assert (await wx.post(TEMPLATE, {**body, "template_id": SUB}))["errcode"] == 40037
    assert (await wx.post(TEMPLATE, {**body, "touser": "o_nobody"}))["errcode"] == 40003
    state.unsubscribe(member)
    assert (await wx.post(TEMPLATE, body))["errcode"] == 43004
    assert state.deliveries == []


async def test_subscription_account_may_not_send_templates(clock: FakeClock) -> None:
    app = create_sandbox_app(make_config(clock, account_type="subscription"))
    openid = app.state.sandbox.add_follower().openid
    async with client_for(app) as client:
        body = await Wx(client).post(TEMPLATE, template(openid, thing1="x"))
    assert body["errcode"] == 48001
    assert body["errmsg"].startswith("api unauthorized")


async def test_control_api_adds_a_template(client: httpx.AsyncClient, wx: Wx, member: str) -> None:
    added = await client.post(
        "/_sandbox/templates", json={"title": "会议通知", "keys": ["thing1"], "template_id": "T1"}
    )
    assert added.json()["template_id"] == "T1"
    body = {**template(member, thing1="支委会"), "template_id": "T1"}
    assert (await wx.post(TEMPLATE, body))["errcode"] == 0


def bizsend(openid: str, value: str = "七月学习日") -> dict[str, Any]:
    return {"touser": openid, "template_id": SUB, "page": "", "data": {"thing1": {"value": value}}}


async def test_bizsend_needs_and_consumes_a_grant(
    wx: Wx, client: httpx.AsyncClient, member: str, state: SandboxState
) -> None:
    refused = await wx.post(BIZSEND, bizsend(member))
    assert refused["errcode"] == 43101
    assert refused["errmsg"].startswith("user refuse to accept the msg")
    granted = await client.post(
        "/_sandbox/subscriptions", json={"openid": member, "template_id": SUB}
    )
    assert granted.json()["remaining"] == 1
    assert (await wx.post(BIZSEND, bizsend(member, "学" * 21)))["errcode"] == 47003
    assert state.subscription_grants[(member, SUB)] == 1  # a refused send keeps the grant
    assert (await wx.post(BIZSEND, bizsend(member)))["errcode"] == 0
    assert (await wx.post(BIZSEND, bizsend(member)))["errcode"] == 43101
    assert [d.channel for d in state.deliveries] == ["subscribe"]


async def test_bizsend_checks_template_and_openid(wx: Wx, member: str, state: SandboxState) -> None:
    state.grant_subscription(member, SUB)
    assert (await wx.post(BIZSEND, {**bizsend(member), "template_id": TPL}))["errcode"] == 40037
    assert (await wx.post(BIZSEND, bizsend("o_nobody")))["errcode"] == 40003


async def test_subscription_account_may_send_subscribe_notifications(clock: FakeClock) -> None:
    app = create_sandbox_app(make_config(clock, account_type="subscription"))
    state: SandboxState = app.state.sandbox
    openid = state.add_follower().openid
    state.grant_subscription(openid, SUB, 2)
    async with client_for(app) as client:
        assert (await Wx(client).post(BIZSEND, bizsend(openid)))["errcode"] == 0
