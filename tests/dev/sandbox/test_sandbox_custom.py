"""Customer-service messages: the 48 h / 5-message and 1 min / 3-message windows."""

from __future__ import annotations

from typing import Any

import pytest

from app.dev.sandbox import Faults, SandboxCallbacks, SandboxState
from tests.support.sandbox import FakeClock, Wx

SEND = "/cgi-bin/message/custom/send"


def text(openid: str, content: str = "您好") -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


@pytest.fixture
def callbacks(sandbox: Any) -> SandboxCallbacks:
    callbacks = sandbox.state.sandbox_callbacks
    assert isinstance(callbacks, SandboxCallbacks)
    return callbacks


@pytest.fixture
def member(state: SandboxState) -> str:
    return state.add_follower(nickname="张三").openid


async def errcodes(wx: Wx, openid: str, n: int) -> list[int]:
    return [int((await wx.post(SEND, text(openid, f"第{i}条")))["errcode"]) for i in range(n)]


async def test_no_interaction_means_out_of_window(wx: Wx, member: str) -> None:
    body = await wx.post(SEND, text(member))
    assert body["errcode"] == 45015
    assert body["errmsg"].startswith("response out of time limit or subscription is canceled")


async def test_member_message_allows_five_within_48_hours(
    wx: Wx, member: str, callbacks: SandboxCallbacks, state: SandboxState
) -> None:
    await callbacks.send_text(member, "你好")
    assert await errcodes(wx, member, 6) == [0, 0, 0, 0, 0, 45047]
    sent = state.deliveries_for(member)
    assert [d.channel for d in sent] == ["custom"] * 5
    assert sent[0].msgtype == "text" and sent[0].payload == {"content": "第0条"}
    assert len({d.msgid for d in sent}) == 5


async def test_window_closes_after_48_hours_and_a_new_message_reopens_it(
    wx: Wx, member: str, callbacks: SandboxCallbacks, clock: FakeClock
) -> None:
    await callbacks.send_text(member, "你好")
    assert await errcodes(wx, member, 5) == [0] * 5
    await callbacks.send_text(member, "还在吗")  # a new message: a fresh count of five
    assert await errcodes(wx, member, 1) == [0]
    clock.advance(48 * 3600 + 1)
    assert await errcodes(wx, member, 1) == [45015]


async def test_click_allows_three_within_one_minute(
    wx: Wx, member: str, callbacks: SandboxCallbacks, clock: FakeClock
) -> None:
    await callbacks.click(member, "STUDY_DAY")
    assert await errcodes(wx, member, 4) == [0, 0, 0, 45047]
    await callbacks.click(member, "STUDY_DAY")
    clock.advance(61)
    assert await errcodes(wx, member, 1) == [45015]


async def test_event_after_message_governs_the_window(
    wx: Wx, member: str, callbacks: SandboxCallbacks, clock: FakeClock
) -> None:
    await callbacks.send_text(member, "你好")
    await callbacks.click(member, "MENU")
    clock.advance(61)
    assert await errcodes(wx, member, 1) == [45015]


async def test_subscribe_and_scan_open_the_short_window(
    wx: Wx, callbacks: SandboxCallbacks, state: SandboxState
) -> None:
    await callbacks.subscribe("o_new_member_0000000000000000", scene="branch1")
    follower = state.followers["o_new_member_0000000000000000"]
    assert follower.subscribed and follower.qr_scene_str == "branch1"
    assert await errcodes(wx, follower.openid, 4) == [0, 0, 0, 45047]
    await callbacks.scan(follower.openid, "branch1")
    assert await errcodes(wx, follower.openid, 1) == [0]


async def test_view_opens_no_window(wx: Wx, member: str, callbacks: SandboxCallbacks) -> None:
    await callbacks.view(member, "https://example.com/m/")
    assert await errcodes(wx, member, 1) == [45015]


async def test_unsubscribed_and_unknown(
    wx: Wx, member: str, callbacks: SandboxCallbacks, state: SandboxState
) -> None:
    await callbacks.send_text(member, "你好")
    state.unsubscribe(member)
    assert (await wx.post(SEND, text(member)))["errcode"] == 43004
    assert (await wx.post(SEND, text("o_nobody")))["errcode"] == 40003


@pytest.mark.parametrize(
    ("message", "errcode"),
    [
        ({"msgtype": "fax", "fax": {}}, 40008),
        ({"msgtype": "text", "text": {"content": ""}}, 44004),
        ({"msgtype": "text", "text": {"content": "长" * 700}}, 45002),
        ({"msgtype": "news", "news": {"articles": [{"title": "a"}, {"title": "b"}]}}, 45008),
        ({"msgtype": "mpnews", "mpnews": {"media_id": "no-such-draft"}}, 40007),
        ({"msgtype": "image", "image": {"media_id": "no-such-media"}}, 40007),
    ],
)
async def test_message_validation(
    wx: Wx, member: str, callbacks: SandboxCallbacks, message: dict[str, Any], errcode: int
) -> None:
    await callbacks.send_text(member, "你好")
    assert (await wx.post(SEND, {"touser": member, **message}))["errcode"] == errcode


async def test_news_with_one_article_is_delivered(
    wx: Wx, member: str, callbacks: SandboxCallbacks, state: SandboxState
) -> None:
    await callbacks.click(member, "NEWS")
    article = {"title": "本月学习日", "description": "周五下午", "url": "https://x/", "picurl": ""}
    body = {"touser": member, "msgtype": "news", "news": {"articles": [article]}}
    assert (await wx.post(SEND, body))["errcode"] == 0
    assert state.deliveries[-1].payload == {"articles": [article]}


async def test_bad_json_and_daily_quota(
    wx: Wx, member: str, callbacks: SandboxCallbacks, state: SandboxState
) -> None:
    token = await wx.token()
    raw = await wx.client.post(SEND, params={"access_token": token}, content=b"{not json")
    assert raw.json()["errcode"] == 47001
    empty = await wx.client.post(SEND, params={"access_token": token}, content=b"")
    assert empty.json()["errcode"] == 44002
    await callbacks.send_text(member, "你好")
    state.faults = Faults(daily_quotas={SEND: 3})  # the two calls above counted too
    assert await errcodes(wx, member, 2) == [0, 45009]
