"""The broadcast senders' transport (httpx over aiohttp) against WeChat served over a socket.

The same client behaviour as over httpx's own transport: answers, token refresh, typed
refusals, and above all which failures may have reached WeChat (never resent) and which
certainly did not (retried).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.dev.sandbox import QueuedErrcode, SandboxState
from app.dev.sandbox.server import serve_in_background
from app.models.types import utcnow
from app.wechat.aiohttp_transport import AiohttpTransport
from app.wechat.client import WeChatClient
from app.wechat.errors import QuotaError, TransientError
from app.wechat.tokens import StoredToken
from tests.support.tokens import APP_ID, APP_SECRET, MemoryTokenStore

TEMPLATE_SEND = "/cgi-bin/message/template/send"
USER_GET = "/cgi-bin/user/get"
DATA = {"thing1": "主题党日", "time2": "2025年6月20日 09:00"}
Factory = Callable[..., WeChatClient]


@pytest.fixture
async def served(sandbox: FastAPI) -> AsyncIterator[str]:
    """The sandbox on a real socket of this event loop."""
    async with serve_in_background(sandbox) as url:
        yield url


@pytest.fixture
async def make_wx() -> AsyncIterator[Factory]:
    """Clients on an aiohttp transport of `connections` (default 4); no backoff."""
    clients: list[WeChatClient] = []

    def make(base_url: str, connections: int = 4, **options: Any) -> WeChatClient:
        options = {"token_store": MemoryTokenStore(), "backoff_base": 0.0, **options}
        http = httpx.AsyncClient(transport=AiohttpTransport(connections))
        client = WeChatClient(
            app_id=APP_ID,
            app_secret=APP_SECRET,
            base_url=base_url,
            http=http,
            owns_http=True,
            **options,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_answers_token_refresh_and_refusals(
    make_wx: Factory, served: str, state: SandboxState
) -> None:
    wx = make_wx(served, max_retries=2)
    member = state.add_follower()
    msgid = await wx.send_template(member.openid, "sandbox_tpl_reminder", DATA, url="https://a.b/c")
    assert [d.msgid for d in state.deliveries_for(member.openid)] == [msgid]
    # WeChat stops accepting the token (40001): one refetch, then the call goes through.
    state.tokens[await wx.tokens.get()].revoked = True
    await wx.followers()
    assert state.call_count(USER_GET, 40001) == 1 and state.call_count(USER_GET, 0) == 1
    state.faults.errcode_queue.append(QueuedErrcode(45009, TEMPLATE_SEND))
    with pytest.raises(QuotaError):
        await wx.send_template(member.openid, "sandbox_tpl_reminder", DATA)
    state.faults.http_status_next = [502] * 3
    with pytest.raises(TransientError) as caught:
        await wx.followers()
    assert caught.value.attempts == 3 and caught.value.maybe_done
    assert len(state.deliveries_for(member.openid)) == 1


async def test_a_lost_answer_is_in_doubt_and_never_resent(
    make_wx: Factory, served: str, state: SandboxState
) -> None:
    wx = make_wx(served, timeout=0.5)
    member = state.add_follower()
    await wx.tokens.get()
    state.faults.hang_after_next, state.faults.paths = 1, [TEMPLATE_SEND]
    with pytest.raises(TransientError) as caught:
        await wx.send_template(member.openid, "sandbox_tpl_reminder", DATA)
    assert caught.value.maybe_done and caught.value.attempts == 1
    assert state.call_count(TEMPLATE_SEND) == 1
    assert len(state.deliveries_for(member.openid)) == 1


async def test_waiting_for_a_connection_is_known_not_sent(
    make_wx: Factory, served: str, state: SandboxState
) -> None:
    # One connection, held by a call WeChat never answers: the next call waits for it past
    # its pool budget (half the call's), which means nothing went out: safe to resend.
    wx = make_wx(served, connections=1, timeout=1.0, max_retries=0)
    first, second = state.add_follower(), state.add_follower()
    await wx.tokens.get()
    state.faults.hang_next, state.faults.paths = 1, [TEMPLATE_SEND]
    hanging = asyncio.create_task(wx.send_template(first.openid, "sandbox_tpl_reminder", DATA))
    while state.faults.hang_next:  # until the first call is hanging at WeChat
        await asyncio.sleep(0.01)
    with pytest.raises(TransientError) as waited:
        await wx.send_template(second.openid, "sandbox_tpl_reminder", DATA)
    assert not waited.value.maybe_done
    with pytest.raises(TransientError) as hung:
        await hanging
    assert hung.value.maybe_done
    assert state.call_count(TEMPLATE_SEND) == 1


async def test_a_refused_connection_is_not_sent_and_is_retried(make_wx: Factory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once the socket is closed
    wx = make_wx(f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError) as caught:
        await wx.followers()
    assert not caught.value.maybe_done
    assert caught.value.call == "stable_token" and caught.value.attempts == 4


async def test_a_connection_dropped_after_the_request_may_have_sent(make_wx: Factory) -> None:
    requests = 0

    async def read_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        await reader.readuntil(b"\r\n\r\n")
        requests += 1
        writer.close()

    server = await asyncio.start_server(read_then_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = MemoryTokenStore()
    await store.write(f"access_token:{APP_ID}", StoredToken("t", utcnow() + timedelta(hours=2)))
    wx = make_wx(f"http://127.0.0.1:{port}", token_store=store)
    async with server:
        with pytest.raises(TransientError) as caught:
            await wx.send_custom_text("o-member", "明天上午九点学习")
    assert caught.value.maybe_done
    assert requests == 1  # a message that may have gone out is not sent again
