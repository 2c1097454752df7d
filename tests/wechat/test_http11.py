"""The broadcast senders' transport (Http11Transport) against WeChat served over a socket.

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
from app.wechat.client import WeChatClient
from app.wechat.errors import QuotaError, TransientError
from app.wechat.http11 import Http11Transport
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
    """Clients on an Http11Transport of `connections` (default 4); no backoff."""
    clients: list[WeChatClient] = []

    def make(base_url: str, connections: int = 4, **options: Any) -> WeChatClient:
        options = {"token_store": MemoryTokenStore(), "backoff_base": 0.0, **options}
        http = httpx.AsyncClient(transport=Http11Transport(connections))
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


# --- the transport itself, against small servers of the test's own -------------------------
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Any]]:
    """Start a server with a handler of the test's; its URL. Servers close at the end."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


def answering(*answers: bytes, then_close: bool = False) -> tuple[Handler, list[int]]:
    """A handler answering each request on a connection with the next answer; it counts the
    connections it was given."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            for answer in answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length:
                    await reader.readexactly(length[0])
                writer.write(answer)
                await writer.drain()
            if then_close:
                writer.close()
            else:
                await reader.read()  # until the client goes
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle, connections


OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n"
OK += b'{"errcode":0}'
CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
CHUNKED += b'5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
TO_CLOSE = b'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"a":2}'


async def test_one_connection_carries_the_calls_in_turn(serve: Any) -> None:
    handler, connections = answering(OK, CHUNKED, OK)
    url = await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(1)) as http:
        first = await http.post(url + "/a?x=1", json={"k": "值"})
        second = await http.get(url + "/b")
        third = await http.post(url + "/c", content=b"x")
    assert (first.status_code, first.json()) == (200, {"errcode": 0})
    assert second.json() == {"a": 1} and third.json() == {"errcode": 0}
    assert len(connections) == 1


async def test_an_answer_ending_with_the_connection_and_a_closed_idle_one(serve: Any) -> None:
    handler, connections = answering(TO_CLOSE, then_close=True)
    url = await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(2)) as http:
        assert (await http.get(url)).json() == {"a": 2}
        assert (await http.get(url)).json() == {"a": 2}  # a new connection, not the closed one
    assert len(connections) == 2

    handler, connections = answering(OK, then_close=True)
    url = await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(2)) as http:
        await http.get(url)
        await asyncio.sleep(0.05)  # the server has hung up on the idle connection
        assert (await http.get(url)).status_code == 200
    assert len(connections) == 2


async def test_calls_beyond_the_connections_wait_their_turn(serve: Any) -> None:
    handler, connections = answering(*[OK] * 20)
    url = await serve(handler)
    transport = Http11Transport(3)
    async with httpx.AsyncClient(transport=transport) as http:
        answers = await asyncio.gather(*(http.get(url) for _ in range(30)))
    assert all(a.status_code == 200 for a in answers)
    assert len(connections) == 3


async def test_a_cancelled_call_gives_its_connection_slot_back(serve: Any) -> None:
    hung = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        hung.set()
        await reader.read()
        writer.close()

    slow = await serve(hang)
    handler, _ = answering(OK)
    fast = await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(1)) as http:
        call = asyncio.create_task(http.get(slow))
        await hung.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        answer = await http.get(fast, timeout=httpx.Timeout(1.0, pool=0.5))
    assert answer.status_code == 200


async def test_a_silent_server_is_a_read_timeout_and_a_malformed_answer_an_error(
    serve: Any,
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    handler, _ = answering(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n")
    silent_url, bad_url = await serve(silent), await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(2)) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(silent_url, timeout=0.2)
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(bad_url)


async def test_a_line_break_in_a_header_is_refused_before_anything_is_sent(serve: Any) -> None:
    handler, connections = answering(OK)
    url = await serve(handler)
    async with httpx.AsyncClient(transport=Http11Transport(1)) as http:
        with pytest.raises(httpx.LocalProtocolError):
            await http.get(url, headers={"x-note": "a\r\nx-evil: 1"})
    assert connections == []
