"""The member side: signed, encrypted pushes to the backend and the replies coming back."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from app.dev.sandbox import (
    NotFollowingError,
    SandboxCallbacks,
    SandboxState,
    UnknownFollowerError,
    create_sandbox_app,
)
from tests.dev.sandbox.fake_backend import FakeBackend, aes_key, decrypt, encrypt, sha1_sorted
from tests.support.sandbox import (
    AES_KEY,
    APP_ID,
    TOKEN,
    FakeClock,
    Wx,
    client_for,
    make_config,
)

# WeChat's official Python sample (also in shared/wechat/vectors.json): proves fake_backend's
# independent crypto is itself right before it is used to judge the sandbox.
OFFICIAL = {
    "token": "spamtest",
    "key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "app_id": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "encrypt": (
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
        "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332j"
        "isa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgav"
        "jIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewpus"
        "jZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
    ),
}


def test_the_independent_crypto_matches_wechats_official_sample() -> None:
    signature = sha1_sorted(
        OFFICIAL["token"], OFFICIAL["timestamp"], OFFICIAL["nonce"], OFFICIAL["encrypt"]
    )
    assert signature == OFFICIAL["msg_signature"]
    message, appid = decrypt(aes_key(OFFICIAL["key"]), OFFICIAL["encrypt"])
    assert appid == OFFICIAL["app_id"]
    assert "<Content><![CDATA[abcdteT]]></Content>" in message
    key = aes_key(OFFICIAL["key"])
    assert decrypt(key, encrypt(key, "我是中文abcd123", "wxb11529c136998cb6")) == (
        "我是中文abcd123",
        "wxb11529c136998cb6",
    )


def build(
    clock: FakeClock, fake_backend: FakeBackend, **config: Any
) -> tuple[FastAPI, SandboxState, SandboxCallbacks]:
    app = create_sandbox_app(
        make_config(
            clock,
            callback_url="http://backend/wechat",
            callback_transport=httpx.ASGITransport(app=fake_backend.app()),
            **config,
        )
    )
    return app, app.state.sandbox, app.state.sandbox_callbacks


@pytest.fixture
def fake_backend() -> FakeBackend:
    return FakeBackend(token=TOKEN, app_id=APP_ID, encoding_aes_key=AES_KEY)


@pytest.fixture
def built(
    clock: FakeClock, fake_backend: FakeBackend
) -> tuple[FastAPI, SandboxState, SandboxCallbacks]:
    return build(clock, fake_backend)


async def test_text_reaches_the_backend_in_safe_mode_and_the_reply_comes_back(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks],
    fake_backend: FakeBackend,
    clock: FakeClock,
) -> None:
    _, state, callbacks = built
    member = state.add_follower(nickname="张三").openid
    result = await callbacks.send_text(member, "学习日几点？")
    assert result.status == 200 and result.error is None and result.attempts == 1
    assert result.reply is not None
    assert result.reply["type"] == "text" and result.reply["content"] == "收到：学习日几点？"
    # What went over the wire: safe mode, only ToUserName and Encrypt in the body.
    query, body = fake_backend.queries[0], ET.fromstring(fake_backend.bodies[0])
    assert query["encrypt_type"] == "aes" and query["openid"] == member
    assert query["timestamp"] == str(int(clock.now))
    assert sorted(child.tag for child in body) == ["Encrypt", "ToUserName"]
    message = fake_backend.received[0]
    assert message["FromUserName"] == member and message["MsgType"] == "text"
    assert message["ToUserName"].startswith("gh_") and message["CreateTime"] == str(int(clock.now))
    assert int(message["MsgId"]) > 2**32
    # The passive reply is a delivery too, so a chat page polling deliveries sees it.
    assert [(d.channel, d.payload["content"]) for d in state.deliveries] == [
        ("reply", "收到：学习日几点？")
    ]


async def test_msgids_increase(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks], fake_backend: FakeBackend
) -> None:
    _, state, callbacks = built
    member = state.add_follower().openid
    for text in ("一", "二", "三"):
        await callbacks.send_text(member, text)
    ids = [int(m["MsgId"]) for m in fake_backend.received]
    assert ids == sorted(ids) and len(set(ids)) == 3 and max(ids) < 2**63


async def test_plaintext_mode(clock: FakeClock) -> None:
    fake_backend = FakeBackend(token=TOKEN, app_id=APP_ID, encoding_aes_key=None)
    _, state, callbacks = build(clock, fake_backend, encoding_aes_key=None)
    member = state.add_follower().openid
    result = await callbacks.send_text(member, "你好")
    assert "encrypt_type" not in fake_backend.queries[0]
    assert fake_backend.received[0]["Content"] == "你好"
    assert result.reply is not None and result.reply["content"] == "收到：你好"


async def test_compatible_mode_sends_both_forms(
    clock: FakeClock, fake_backend: FakeBackend
) -> None:
    _, state, callbacks = build(clock, fake_backend, callback_mode="compatible")
    member = state.add_follower().openid
    fake_backend.reply = "echo_plain"  # compatible mode accepts a plaintext reply
    result = await callbacks.send_text(member, "兼容")
    body = ET.fromstring(fake_backend.bodies[0])
    assert body.findtext("Content") == "兼容" and body.findtext("Encrypt")
    assert result.reply is not None and result.error is None


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("echo_plain", "plaintext reply in safe mode"),
        ("error", "HTTP 500"),
        ("json", "unusable reply"),
        ("wrong_appid", "unusable reply"),
    ],
)
async def test_unusable_answers_are_reported(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks],
    fake_backend: FakeBackend,
    mode: Any,
    error: str,
) -> None:
    _, state, callbacks = built
    fake_backend.reply = mode
    result = await callbacks.send_text(state.add_follower().openid, "你好")
    assert result.error is not None and error in result.error
    assert result.to_json()["member_sees"] == "该公众号暂时无法提供服务，请稍后再试"
    assert state.deliveries == []


@pytest.mark.parametrize("mode", ["success", "empty"])
async def test_success_or_empty_means_no_reply(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks], fake_backend: FakeBackend, mode: Any
) -> None:
    _, state, callbacks = built
    fake_backend.reply = mode
    result = await callbacks.send_text(state.add_follower().openid, "你好")
    assert (result.status, result.reply, result.error) == (200, None, None)


async def test_slow_backend_gets_the_same_message_three_times(
    clock: FakeClock, fake_backend: FakeBackend
) -> None:
    _, state, callbacks = build(clock, fake_backend, callback_timeout_seconds=0.05)
    fake_backend.gate = asyncio.Event()
    result = await callbacks.send_text(state.add_follower().openid, "慢")
    assert result.attempts == 3 and result.status is None
    assert result.error is not None and "no answer" in result.error
    assert len(fake_backend.received) == 3
    assert len({m["MsgId"] for m in fake_backend.received}) == 1  # a retry, not a new message
    assert len({q["nonce"] for q in fake_backend.queries}) == 3
    fake_backend.gate.set()
    await callbacks.drain()  # the abandoned deliveries finish in the background


async def test_events_and_their_fields(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks], fake_backend: FakeBackend
) -> None:
    _, state, callbacks = built
    member = state.add_follower().openid
    await callbacks.click(member, "STUDY_DAY")
    await callbacks.view(member, "https://example.com/m/")
    await callbacks.scan(member, "meeting-7")
    await callbacks.unsubscribe(member)
    await callbacks.subscribe(member, scene="branch")
    events = [(m["Event"], m.get("EventKey", "")) for m in fake_backend.received]
    assert events == [
        ("CLICK", "STUDY_DAY"),
        ("VIEW", "https://example.com/m/"),
        ("SCAN", "meeting-7"),
        ("unsubscribe", ""),
        ("subscribe", "qrscene_branch"),
    ]
    assert fake_backend.received[2]["Ticket"] and fake_backend.received[4]["Ticket"]
    assert state.followers[member].subscribed


async def test_acting_requires_a_following_member(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks],
) -> None:
    _, state, callbacks = built
    with pytest.raises(UnknownFollowerError):
        await callbacks.send_text("o_nobody", "hi")
    member = state.add_follower(subscribed=False).openid
    with pytest.raises(NotFollowingError):
        await callbacks.click(member, "X")


async def test_control_api_member_actions(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks], fake_backend: FakeBackend
) -> None:
    app, state, _ = built
    async with client_for(app) as client:
        added = (await client.post("/_sandbox/followers", json={"nickname": "吴九"})).json()
        openid = added["openid"]
        assert len(openid) == 28 and openid.startswith("o")
        sent = await client.post(
            f"/_sandbox/followers/{openid}/send", json={"type": "text", "content": "你好"}
        )
        assert sent.json()["status"] == 200
        assert sent.json()["reply"]["content"] == "收到：你好"
        click = await client.post(
            f"/_sandbox/followers/{openid}/send", json={"type": "click", "key": "MENU_1"}
        )
        assert click.json()["reply"]["content"] == "收到：CLICK"
        gone = await client.post(f"/_sandbox/followers/{openid}/unsubscribe")
        assert gone.status_code == 200 and not state.followers[openid].subscribed
        refused = await client.post(
            f"/_sandbox/followers/{openid}/send", json={"type": "text", "content": "x"}
        )
        assert refused.status_code == 409
        unknown = await client.post("/_sandbox/followers/o_x/send", json={"type": "click"})
        assert unknown.status_code == 404
        joined = await client.post(
            "/_sandbox/followers/o_new/send", json={"type": "subscribe", "key": "qr1"}
        )
        assert joined.status_code == 200 and state.followers["o_new"].qr_scene_str == "qr1"


async def test_template_job_finish_event(
    built: tuple[FastAPI, SandboxState, SandboxCallbacks], fake_backend: FakeBackend
) -> None:
    app, state, _ = built
    member = state.add_follower().openid
    async with client_for(app) as client:
        body = await Wx(client).post(
            "/cgi-bin/message/template/send",
            {"touser": member, "template_id": "sandbox_tpl_reminder", "data": {}},
        )
        assert fake_backend.received == []  # not automatic unless auto_job_events
        result = await client.post(
            f"/_sandbox/jobs/template/{body['msgid']}/finish", json={"status": "failed:user block"}
        )
    assert result.status_code == 200
    event = fake_backend.received[0]
    assert event["Event"] == "TEMPLATESENDJOBFINISH" and event["MsgID"] == str(body["msgid"])
    assert event["Status"] == "failed:user block" and event["FromUserName"] == member


async def test_auto_job_events_for_mass_and_publish(
    clock: FakeClock, fake_backend: FakeBackend
) -> None:
    app, state, callbacks = build(clock, fake_backend, auto_job_events=True)
    members = [state.add_follower().openid for _ in range(2)]
    for follower in members[:1]:
        state.followers[follower].mass_by_month["2025-06"] = 4  # already had this month's four
    fake_backend.reply = "success"
    async with client_for(app) as client:
        wx = Wx(client)
        media_id = await wx.draft()
        sent = await wx.post(
            "/cgi-bin/message/mass/sendall",
            {"filter": {"is_to_all": True}, "msgtype": "mpnews", "mpnews": {"media_id": media_id}},
        )
        published = await wx.post("/cgi-bin/freepublish/submit", {"media_id": media_id})
        await callbacks.drain()
    mass = next(m for m in fake_backend.received if m["Event"] == "MASSSENDJOBFINISH")
    assert mass["MsgID"] == str(sent["msg_id"])
    counts = [mass[k] for k in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")]
    assert counts == ["2", "1", "1", "0"]
    publish_xml = next(p for p in fake_backend.plaintexts if "PUBLISHJOBFINISH" in p)
    info = ET.fromstring(publish_xml).find("PublishEventInfo")
    assert info is not None
    assert info.findtext("publish_id") == published["publish_id"]
    assert info.findtext("publish_status") == "0"
    assert (info.findtext("article_detail/item/article_url") or "").startswith("https://mp.")


async def test_no_callback_url_still_updates_the_window(clock: FakeClock) -> None:
    app = create_sandbox_app(make_config(clock))
    state: SandboxState = app.state.sandbox
    member = state.add_follower().openid
    result = await app.state.sandbox_callbacks.send_text(member, "你好")
    assert result.status is None and result.error == "no callback_url configured"
    assert state.followers[member].window is not None


async def test_wechatpy_parses_every_pushed_message(
    clock: FakeClock, fake_backend: FakeBackend
) -> None:
    from wechatpy import parse_message

    app, state, callbacks = build(clock, fake_backend, auto_job_events=True)
    member = state.add_follower().openid
    fake_backend.reply = "success"
    await callbacks.send_text(member, "你好 ]]> <b>")
    await callbacks.click(member, "K")
    await callbacks.scan(member, "s1")
    async with client_for(app) as client:
        wx = Wx(client)
        await wx.post(
            "/cgi-bin/message/template/send",
            {"touser": member, "template_id": "sandbox_tpl_reminder", "data": {}},
        )
        await wx.post(
            "/cgi-bin/message/mass/sendall",
            {"filter": {"is_to_all": True}, "msgtype": "text", "text": {"content": "群发"}},
        )
        await callbacks.drain()
    parsed = [parse_message(xml) for xml in fake_backend.plaintexts]
    kinds = [(m.type, getattr(m, "event", None)) for m in parsed]
    assert kinds[:3] == [("text", None), ("event", "click"), ("event", "scan")]
    # The two job events run in the background, so their order is not promised.
    assert sorted(kinds[3:]) == [("event", "masssendjobfinish"), ("event", "templatesendjobfinish")]
    assert parsed[0].content == "你好 ]]> <b>"
    mass = next(m for m in parsed if getattr(m, "event", None) == "masssendjobfinish")
    assert mass.sent_count == 1 and mass.total_count == 1


async def test_a_retry_answered_in_time_is_what_the_member_sees(
    clock: FakeClock, fake_backend: FakeBackend
) -> None:
    gate = asyncio.Event()
    original = fake_backend.handle
    calls = 0

    async def slow_first(request: Request) -> Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await gate.wait()  # the first delivery outlives WeChat's deadline
        return await original(request)

    fake_backend.handle = slow_first  # type: ignore[method-assign]
    _, state, callbacks = build(clock, fake_backend, callback_timeout_seconds=0.05)
    result = await callbacks.send_text(state.add_follower().openid, "重试")
    assert result.attempts == 2 and result.error is None
    assert result.reply is not None and result.reply["content"] == "收到：重试"
    gate.set()
    await callbacks.drain()
