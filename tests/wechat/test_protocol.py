"""Protocol edges without the database: errors, rate limit, JS-SDK vector, OAuth URL, transport."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import structlog

from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from app.dev.sandbox.server import serve_in_background
from app.models.types import utcnow
from app.wechat.client import WeChatClient, jssdk_sign, new_clientmsgid
from app.wechat.errors import (
    PermanentError,
    QuotaError,
    TokenInvalidError,
    TransientError,
    WindowClosedError,
    classify,
)
from app.wechat.ratelimit import RateLimiter
from app.wechat.tokens import StoredToken
from tests.support.tokens import APP_ID, APP_SECRET, MemoryTokenStore


def test_classify() -> None:
    assert classify(-1) is TransientError
    assert {classify(c) for c in (40001, 40014, 42001)} == {TokenInvalidError}
    assert {classify(c) for c in (45009, 45011, 45028)} == {QuotaError}
    assert {classify(c) for c in (45015, 45047)} == {WindowClosedError}
    permanent = (40003, 43004, 48001, 40037, 47003, 45065, 40007, 43101, 99999)
    assert {classify(c) for c in permanent} == {PermanentError}
    with pytest.raises(ValueError):
        classify(0)


def test_jssdk_signature_official_vector() -> None:
    ticket = (
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    )
    url = "http://mp.weixin.qq.com?params=value"
    expected = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    assert jssdk_sign(ticket, "Wm3WZYTPz0wzccnW", 1414587457, url) == expected
    assert jssdk_sign(ticket, "Wm3WZYTPz0wzccnW", 1414587457, url + "#top") == expected


def test_oauth_url_has_wechats_parameter_order() -> None:
    wx = WeChatClient(app_id=APP_ID, app_secret=APP_SECRET, token_store=MemoryTokenStore())
    url = wx.oauth_authorize_url("https://a.example/cb?x=1&y=2", "st", scope="snsapi_userinfo")
    assert url == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid="
        + APP_ID
        + "&redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1%26y%3D2&response_type=code"
        "&scope=snsapi_userinfo&state=st#wechat_redirect"
    )


def test_clientmsgids_are_unique_and_short() -> None:
    ids = {new_clientmsgid() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) <= 64 for i in ids)


async def test_rate_limiter_spacing_in_virtual_time() -> None:
    now = 100.0
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(10, burst=2, clock=lambda: now, sleep=sleep)
    results = await asyncio.gather(*(limiter.acquire() for _ in range(6)))
    # Two from the burst, then one every 100 ms, in arrival order.
    assert results == pytest.approx([0, 0, 0.1, 0.2, 0.3, 0.4])
    now += 10  # a quiet spell refills the bucket, but never beyond the burst
    assert await limiter.acquire() == 0
    assert await limiter.acquire() == 0
    assert await limiter.acquire() == pytest.approx(0.1)


async def test_rate_limiter_spacing_in_real_time() -> None:
    limiter = RateLimiter(200, burst=1)
    stamps: list[float] = []

    async def take() -> None:
        await limiter.acquire()
        stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(take() for _ in range(6)))
    # The n-th call may not start before its slot (a loaded loop can wake two at once, so the
    # gaps between neighbours are not the invariant; the schedule is).
    for n, stamp in enumerate(sorted(stamps)):
        assert stamp - started >= n / 200 * 0.9


def _client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> WeChatClient:
    """A client on a mock transport, already holding a valid token."""
    store = MemoryTokenStore()
    store.tokens[f"access_token:{APP_ID}"] = StoredToken("T", utcnow() + timedelta(days=1))
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return WeChatClient(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        token_store=store,
        http=http,
        backoff_base=0,
        **options,
    )


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html><body>502 Bad Gateway</body></html>"),
        httpx.Response(200, text='{"errcode":0,"errmsg":"ok","menu', headers={"X": "cut"}),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
    ids=["html", "truncated-json", "502", "json-array"],
)
async def test_unusable_answers_are_retried_then_transient(answer: httpx.Response) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return answer

    wx = _client(handler, max_retries=2)
    with pytest.raises(TransientError):
        await wx.get_menu()
    assert calls == 3


async def test_client_error_status_is_permanent() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, text="not found")

    with pytest.raises(PermanentError):
        await _client(handler).get_menu()
    assert calls == 1


async def test_json_body_is_utf8_not_escaped() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    await _client(handler).send_custom_text("o1", "你好")
    assert "你好".encode() in seen[0]


async def test_logs_never_carry_the_token_or_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"errcode": 48001, "errmsg": "api unauthorized"})

    with structlog.testing.capture_logs() as logs, pytest.raises(PermanentError) as caught:
        await _client(handler).get_menu()
    assert logs and logs[0]["call"] == "menu/get" and logs[0]["errcode"] == 48001
    assert logs[0]["attempt"] == 1
    text = repr(logs) + str(caught.value)
    assert "access_token=" not in text and APP_SECRET not in text


async def test_real_socket_hang_is_cut_by_the_timeout() -> None:
    config = SandboxConfig(app_id=APP_ID, app_secret=APP_SECRET, token="t", encoding_aes_key=None)
    sandbox = create_sandbox_app(config)
    state: SandboxState = sandbox.state.sandbox
    async with serve_in_background(sandbox) as base_url:
        wx = WeChatClient(
            base_url=base_url,
            app_id=APP_ID,
            app_secret=APP_SECRET,
            token_store=MemoryTokenStore(),
            timeout=0.1,
            max_retries=1,
            backoff_base=0,
        )
        await wx.tokens.get()
        state.faults.hang_next = 5
        started = time.monotonic()
        with pytest.raises(TransientError):
            await wx.followers()
        assert time.monotonic() - started < 1.0  # two 100 ms attempts, not the 30 s hang
        await wx.aclose()
    assert state.call_count("/cgi-bin/user/get") == 2
