"""WeChatClient.download_media: a member's photo through media/get, with the usual retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.dev.sandbox import SandboxState
from app.wechat.client import MEDIA_MAX_BYTES, WeChatClient
from app.wechat.errors import PermanentError, TransientError
from app.wechat.types import DownloadedMedia
from tests.support.media import JPEG, send_media
from tests.support.tokens import APP_ID, MemoryTokenStore

MEDIA_GET = "/cgi-bin/media/get"
Factory = Callable[..., WeChatClient]


async def test_downloads_the_bytes_and_their_type(
    wx: WeChatClient, sandbox: FastAPI, state: SandboxState
) -> None:
    media_id = await send_media(sandbox, JPEG, "image/jpeg")
    png = await send_media(sandbox, b"\x89PNG\r\n\x1a\n-png-", "image/png")
    assert await wx.download_media(media_id) == DownloadedMedia(JPEG, "image/jpeg")
    assert await wx.download_media(png) == DownloadedMedia(b"\x89PNG\r\n\x1a\n-png-", "image/png")
    assert state.call_count(MEDIA_GET, 0) == 2


async def test_unknown_media_is_a_permanent_40007(
    wx: WeChatClient, sandbox: FastAPI, state: SandboxState
) -> None:
    await send_media(sandbox, media_id="known")
    with pytest.raises(PermanentError) as caught:
        await wx.download_media("expired-three-days-ago")
    assert caught.value.errcode == 40007 and caught.value.call == "media/get"
    assert state.call_count(MEDIA_GET) == 1  # a refusal is not retried


async def test_dead_token_is_refreshed_once(
    wx: WeChatClient, sandbox: FastAPI, state: SandboxState
) -> None:
    media_id = await send_media(sandbox)
    old = await wx.tokens.get()
    state.tokens[old].revoked = True  # WeChat no longer accepts it
    assert (await wx.download_media(media_id)).content == JPEG
    assert state.call_count(MEDIA_GET, 40001) == 1
    assert state.call_count(MEDIA_GET, 0) == 1
    assert await wx.tokens.get() != old


@pytest.mark.parametrize(
    "fault", ["http_500", "hang", "hang_after", "html", "invalid_json", "busy"]
)
async def test_a_transient_failure_is_retried(
    make_wx: Factory, sandbox: FastAPI, state: SandboxState, fault: str
) -> None:
    wx = make_wx(timeout=0.05, max_retries=2)
    media_id = await send_media(sandbox)
    await wx.tokens.get()
    state.faults.paths = [MEDIA_GET]
    if fault == "http_500":
        state.faults.http_status_next = [500]
    elif fault == "hang":
        state.faults.hang_next = 1
    elif fault == "hang_after":
        state.faults.hang_after_next = 1  # the file is served, but too late
    elif fault == "html":
        state.faults.html_next = 1  # WeChat's gateway page, served with 200
    elif fault == "invalid_json":
        state.faults.invalid_json_next = 1
    else:
        state.faults.error_rate = 1.0  # errcode -1 "system error" on every call…
    if fault == "busy":
        with pytest.raises(TransientError) as caught:
            await wx.download_media(media_id)
        assert caught.value.errcode == -1 and caught.value.attempts == 3  # …bounded retries
        return
    assert await wx.download_media(media_id) == DownloadedMedia(JPEG, "image/jpeg")
    assert state.call_count(MEDIA_GET) == 2
    assert state.call_count(MEDIA_GET, 0) == (2 if fault == "hang_after" else 1)


async def test_latency_applies_to_the_download(
    make_wx: Factory, sandbox: FastAPI, state: SandboxState
) -> None:
    wx = make_wx(timeout=0.05, max_retries=0)
    media_id = await send_media(sandbox)
    await wx.tokens.get()
    state.faults.latency_ms, state.faults.paths = 200, [MEDIA_GET]
    with pytest.raises(TransientError) as caught:
        await wx.download_media(media_id)
    assert caught.value.errmsg == "timed out"


async def test_more_than_ten_megabytes_is_refused(
    wx: WeChatClient, sandbox: FastAPI, state: SandboxState
) -> None:
    media_id = await send_media(sandbox, b"\xff" * (MEDIA_MAX_BYTES + 1))
    with pytest.raises(PermanentError) as caught:
        await wx.download_media(media_id)
    assert caught.value.errcode is None and "larger than" in caught.value.errmsg
    assert state.call_count(MEDIA_GET) == 1
    exactly = await send_media(sandbox, b"\xff" * MEDIA_MAX_BYTES)
    assert len((await wx.download_media(exactly)).content) == MEDIA_MAX_BYTES


async def test_a_body_without_length_is_read_no_further_than_the_limit() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        while True:
            sent += 1024 * 1024
            yield b"\xff" * (1024 * 1024)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})
        return httpx.Response(200, headers={"content-type": "image/jpeg"}, content=endless())

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        wx = WeChatClient(
            app_id=APP_ID, app_secret="s", token_store=MemoryTokenStore(), http=http, backoff_base=0
        )
        with pytest.raises(PermanentError):
            await wx.download_media("big")
    assert sent <= MEDIA_MAX_BYTES + 1024 * 1024


async def test_a_json_error_labelled_text_is_still_an_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})
        body = b'{"errcode":40007,"errmsg":"invalid media_id"}'
        return httpx.Response(200, headers={"content-type": "text/plain"}, content=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        wx = WeChatClient(
            app_id=APP_ID, app_secret="s", token_store=MemoryTokenStore(), http=http, backoff_base=0
        )
        with pytest.raises(PermanentError) as caught:
            await wx.download_media("gone")
    assert caught.value.errcode == 40007
