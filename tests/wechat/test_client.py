"""WeChatClient against the sandbox: tokens, typed errors, bounded retries, every API method."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.dev.sandbox import QueuedErrcode, SandboxState
from app.wechat.client import WeChatClient, new_clientmsgid
from app.wechat.errors import (
    PermanentError,
    QuotaError,
    TokenInvalidError,
    TransientError,
    WeChatError,
    WindowClosedError,
)
from app.wechat.tokens import TokenStore
from app.wechat.types import DraftArticle
from tests.support.tokens import APP_ID, MemoryTokenStore

USER_GET = "/cgi-bin/user/get"
CUSTOM_SEND = "/cgi-bin/message/custom/send"
Factory = Callable[..., WeChatClient]


def stable_fetches(state: SandboxState) -> int:
    return state.token_fetches["stable_token"] + state.token_fetches["stable_token_force"]


async def test_twenty_callers_share_one_token_fetch(wx: WeChatClient, state: SandboxState) -> None:
    await asyncio.gather(*(wx.followers() for _ in range(20)))
    assert stable_fetches(state) == 1
    assert state.call_count(USER_GET, 0) == 20


async def test_stale_token_recovery(
    make_wx: Factory, state: SandboxState, store: TokenStore
) -> None:
    wx = make_wx(store, rate_limit_per_second=None)
    await wx.followers()
    old = await wx.tokens.get()
    state.tokens[old].revoked = True  # WeChat no longer accepts it (e.g. a forced refresh)
    # Twenty calls in flight fail with 40001 together: one refetch, and all then succeed.
    state.faults.latency_ms, state.faults.paths = 20, [USER_GET]
    await asyncio.gather(*(wx.followers() for _ in range(20)))
    assert state.call_count(USER_GET, 40001) == 20
    assert state.call_count(USER_GET, 0) == 21
    assert stable_fetches(state) == 2
    stored = await store.read(f"access_token:{APP_ID}")
    assert (
        stored is not None and stored.value not in {old} and stored.value == await wx.tokens.get()
    )


async def test_stale_token_of_another_process_keeps_the_fresh_one(
    make_wx: Factory, state: SandboxState, store_factory: Callable[..., TokenStore]
) -> None:
    a, b = make_wx(store_factory()), make_wx(store_factory())
    await a.followers()
    await b.followers()  # B now holds T1 too
    t1 = await a.tokens.get()
    state.tokens[t1].revoked = True
    await a.followers()  # A: 40001 → T2, stored
    t2 = await a.tokens.get()
    await b.followers()  # B: 40001 with T1; must pick up T2, not delete it or fetch T3
    assert await b.tokens.get() == t2
    assert stable_fetches(state) == 2
    stored = await store_factory().read(f"access_token:{APP_ID}")
    assert stored is not None and stored.value == t2


async def test_token_rejected_twice_raises(wx: WeChatClient, state: SandboxState) -> None:
    await wx.followers()
    state.faults.errcode_queue += [QueuedErrcode(40001, USER_GET), QueuedErrcode(42001, USER_GET)]
    with pytest.raises(TokenInvalidError):
        await wx.followers()
    assert state.call_count(USER_GET) == 3  # the first call, then one refresh-and-retry


async def test_refetched_token_still_rejected_forces_a_refresh(
    wx: WeChatClient, state: SandboxState
) -> None:
    await wx.followers()
    # WeChat says 40001 but stable_token keeps handing out the same token: force a new one.
    state.faults.errcode_queue.append(QueuedErrcode(40001, USER_GET))
    await wx.followers()
    assert state.token_fetches["stable_token_force"] == 1


@pytest.mark.parametrize(
    ("errcode", "error"),
    [
        (40003, PermanentError),
        (48001, PermanentError),
        (45009, QuotaError),
        (45015, WindowClosedError),
        (45047, WindowClosedError),
    ],
)
async def test_refusals_are_typed_and_never_retried(
    wx: WeChatClient, state: SandboxState, errcode: int, error: type[WeChatError]
) -> None:
    state.faults.errcode_queue.append(QueuedErrcode(errcode, USER_GET))
    with pytest.raises(error) as caught:
        await wx.followers()
    assert state.call_count(USER_GET) == 1
    assert caught.value.errcode == errcode


async def test_busy_is_retried_a_bounded_number_of_times(
    make_wx: Factory, state: SandboxState
) -> None:
    wx = make_wx(max_retries=3)
    state.faults.errcode_queue += [QueuedErrcode(-1, USER_GET)] * 2
    await wx.followers()
    assert state.call_count(USER_GET) == 3
    state.faults.errcode_queue += [QueuedErrcode(-1, USER_GET)] * 10
    with pytest.raises(TransientError) as caught:
        await wx.followers()
    assert state.call_count(USER_GET) == 3 + 4
    assert caught.value.attempts == 4


@pytest.mark.parametrize("fault", ["html", "invalid_json", "http_502"])
async def test_garbage_answers_end_in_transient_error(
    make_wx: Factory, state: SandboxState, fault: str
) -> None:
    wx = make_wx(max_retries=2)
    await wx.tokens.get()
    if fault == "html":
        state.faults.html_next = 10
    elif fault == "invalid_json":
        state.faults.invalid_json_next = 10
    else:
        state.faults.http_status_next = [502] * 10
    with pytest.raises(TransientError):
        await wx.followers()
    assert state.call_count(USER_GET) == 3


async def test_hang_times_out_within_the_bound(make_wx: Factory, state: SandboxState) -> None:
    wx = make_wx(timeout=0.05, max_retries=2)
    await wx.tokens.get()
    state.faults.hang_next = 10
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TransientError) as caught:
        await wx.followers()
    assert loop.time() - started < 1.0  # three 50 ms attempts, not the 30 s hang
    assert caught.value.attempts == 3 and caught.value.maybe_done


async def test_lost_answer_to_a_message_is_not_resent(
    make_wx: Factory, state: SandboxState
) -> None:
    wx = make_wx(timeout=0.05)
    member = state.add_follower()
    state.open_window(member.openid, "message")
    # The message is delivered, the answer never comes.
    state.faults.hang_after_next, state.faults.paths = 1, [CUSTOM_SEND]
    with pytest.raises(TransientError) as caught:
        await wx.send_custom_text(member.openid, "明天上午九点学习")
    assert caught.value.maybe_done
    assert len(state.deliveries_for(member.openid)) == 1
    assert state.call_count(CUSTOM_SEND) == 1


async def test_transport_errors_are_retried_then_raised() -> None:
    calls = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        wx = WeChatClient(
            app_id=APP_ID, app_secret="s", token_store=MemoryTokenStore(), http=http, backoff_base=0
        )
        with pytest.raises(TransientError) as caught:
            await wx.followers()
    assert calls == 4  # the token request: one try and three retries
    assert not caught.value.maybe_done and caught.value.call == "stable_token"


async def test_messages_reach_the_member(wx: WeChatClient, state: SandboxState) -> None:
    member = state.add_follower()
    with pytest.raises(WindowClosedError):
        await wx.send_custom_text(member.openid, "你好")
    state.open_window(member.openid, "message")
    await wx.send_custom_text(member.openid, "你好")
    await wx.send_custom_news(member.openid, "学习", "第一课", "https://example.com/a")
    data = {"thing1": "主题党日", "time2": "2025年6月20日 09:00", "thing3": "三楼会议室"}
    msgid = await wx.send_template(member.openid, "sandbox_tpl_reminder", data, url=None)
    assert isinstance(msgid, int)
    with pytest.raises(PermanentError) as caught:
        await wx.send_subscribe_message(member.openid, "sandbox_sub_reminder", data)
    assert caught.value.errcode == 43101  # the member never accepted this notification
    state.grant_subscription(member.openid, "sandbox_sub_reminder")
    await wx.send_subscribe_message(member.openid, "sandbox_sub_reminder", data, page="p")
    sent = [(d.channel, d.msgtype) for d in state.deliveries_for(member.openid)]
    assert sent == [
        ("custom", "text"),
        ("custom", "news"),
        ("template", "template"),
        ("subscribe", "subscribe"),
    ]
    assert state.deliveries_for(member.openid)[0].payload == {"content": "你好"}
    with pytest.raises(PermanentError) as unknown:
        await wx.send_custom_text("o-nobody", "你好")
    assert unknown.value.errcode == 40003


async def test_content_and_mass_sends(wx: WeChatClient, state: SandboxState) -> None:
    members = [state.add_follower() for _ in range(3)]
    image = await wx.upload_image("cover.png", b"\x89PNG fake image")
    assert image.media_id and image.url.startswith("https://")
    article = DraftArticle(
        title="七一讲话精神", content="<p>全文</p>", thumb_media_id=image.media_id
    )
    media_id = await wx.add_draft([article])
    assert await wx.freepublish(media_id)
    tag_id = await wx.create_tag("党员")
    await wx.tag_users(tag_id, [m.openid for m in members[:2]])
    clientmsgid = new_clientmsgid()
    result = await wx.mass_send_to_tag(tag_id, media_id=media_id, clientmsgid=clientmsgid)
    assert result.msg_data_id is not None
    assert {d.openid for d in state.deliveries if d.channel == "mass"} == {
        m.openid for m in members[:2]
    }
    with pytest.raises(PermanentError) as reused:  # WeChat's de-duplication of a resend
        await wx.mass_send_to_tag(tag_id, media_id=media_id, clientmsgid=clientmsgid)
    assert reused.value.errcode == 45065
    openids = [m.openid for m in members]
    await wx.mass_send_to_openids(openids, text="通知", clientmsgid=new_clientmsgid())
    assert await wx.mass_preview(members[0].openid, media_id=media_id)
    with pytest.raises(ValueError):
        await wx.mass_preview(members[0].openid)


async def test_tagging_goes_in_batches_of_fifty(wx: WeChatClient, state: SandboxState) -> None:
    members = [state.add_follower() for _ in range(120)]
    tag_id = await wx.create_tag("支部委员")
    await wx.tag_users(tag_id, [m.openid for m in members])
    assert state.call_count("/cgi-bin/tags/members/batchtagging", 0) == 3
    assert all(tag_id in m.tagids for m in members)
    await wx.untag_users(tag_id, [m.openid for m in members[:60]])
    assert state.call_count("/cgi-bin/tags/members/batchuntagging", 0) == 2
    assert sum(tag_id in m.tagids for m in members) == 60


async def test_menu_and_users(wx: WeChatClient, state: SandboxState) -> None:
    assert await wx.get_menu() is None
    menu = {"button": [{"type": "click", "name": "学习", "key": "STUDY"}]}
    await wx.create_menu(menu)
    current = await wx.get_menu()
    assert current is not None and current["menu"]["button"][0]["key"] == "STUDY"
    await wx.delete_menu()
    assert await wx.get_menu() is None
    member = state.add_follower(qr_scene_str="branch-1")
    info = await wx.user_info(member.openid)
    assert info.subscribed and info.openid == member.openid and info.qr_scene_str == "branch-1"
    page = await wx.followers()
    assert page.total == 1 and page.openids == [member.openid]


async def test_oauth_code_gives_the_openid(
    wx: WeChatClient, state: SandboxState, http: httpx.AsyncClient
) -> None:
    member = state.add_follower()
    url = wx.oauth_authorize_url("https://party.example.com/m/?next=/pledge", "s7a7e")
    assert url.endswith("#wechat_redirect")
    assert "redirect_uri=https%3A%2F%2Fparty.example.com%2Fm%2F%3Fnext%3D%2Fpledge" in url
    # The member picks themself on the sandbox's authorize page (WeChat knows who they are).
    response = await http.get(url.split("#")[0] + f"&openid={member.openid}")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["s7a7e"]
    assert await wx.oauth_openid(query["code"][0]) == member.openid
    with pytest.raises(PermanentError) as reused:
        await wx.oauth_openid(query["code"][0])
    assert reused.value.errcode == 40163
    assert state.token_fetches["stable_token"] == 0  # OAuth uses the app secret, not a token


async def test_jsapi_ticket_is_cached_and_signs(wx: WeChatClient, state: SandboxState) -> None:
    config = await wx.jssdk_signature("https://party.example.com/m/#/pledge", "nonce", 1414587457)
    again = await wx.jssdk_signature("https://party.example.com/m/", "nonce", 1414587457)
    assert config["signature"] == again["signature"]  # the fragment is not signed
    assert config["appId"] == APP_ID and config["timestamp"] == 1414587457
    assert state.call_count("/cgi-bin/ticket/getticket") == 1
