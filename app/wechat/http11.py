"""An httpx transport for the broadcast senders: keep-alive HTTP/1.1 on asyncio's protocols.

A sender keeps ~50 calls in flight. Through httpcore each one cost more CPU than the rest of the
sender together (py-spy): anyio's cancel scopes on every read and write, h11's pure-Python
parsing, a poll() of each pooled socket before reuse and a pool that walks every connection for
every request. Here a request is one write, the answer is parsed in C (httptools) as it arrives,
and the event loop itself reports a connection the server closed.

Errors are httpx's, as WeChatTransport sorts them: PoolTimeout, ConnectTimeout and ConnectError
mean nothing was written (safe to resend); every failure after the write may have reached WeChat.
Answers are read whole (WeChat's are small JSON); more than MAX_ANSWER_BYTES is a ReadError.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import cast

import httptools
import httpx

MAX_ANSWER_BYTES = 16 * 1024 * 1024
KEEPALIVE_SECONDS = 5.0  # httpx's default: an idle connection older than this is not reused
DEFAULT_PORTS = {b"http": 80, b"https": 443}
Origin = tuple[bytes, str, int]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes, bool]  # status, headers, body, keep-alive


class _Connection(asyncio.Protocol):
    """One connection; it carries one request at a time, its answer parsed as bytes arrive."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[Answer] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._headers_done = False

    # --- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self._answer is None:  # bytes nobody asked for: the connection is out of step
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed answer: {exc}"))

    def eof_received(self) -> bool:
        return False  # the server is done: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None or self._answer.done():
            return
        if self._headers_done and self._reads_to_close():
            self._complete(keep_alive=False)  # an answer whose end is the connection's end
        elif exc is not None:
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        else:
            self._fail(httpx.RemoteProtocolError("server disconnected without a whole answer"))

    # --- httptools callbacks ------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_ANSWER_BYTES:
            self._fail(httpx.ReadError(f"answer larger than {MAX_ANSWER_BYTES} bytes"))
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._complete(keep_alive=self._parser.should_keep_alive())

    # --- one exchange -------------------------------------------------------------------
    async def exchange(self, data: bytes, read_seconds: float | None) -> Answer:
        """Write a whole request; return the answer's status, headers, body and keep-alive."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Answer] = loop.create_future()
        self._answer = answer
        self._headers, self._body, self._size, self._headers_done = [], [], 0, False
        self.transport.write(data)
        timer = None if read_seconds is None else loop.call_later(read_seconds, self._timed_out)
        try:
            return await answer
        finally:
            if timer is not None:
                timer.cancel()
            self._answer = None

    def _reads_to_close(self) -> bool:
        """True when the answer has neither a length nor chunks: its body ends at close."""
        names = {name.lower() for name, _ in self._headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _complete(self, *, keep_alive: bool) -> None:
        answer = self._answer
        if answer is not None and not answer.done():
            status = self._parser.get_status_code()
            answer.set_result((status, self._headers, b"".join(self._body), keep_alive))

    def _fail(self, exc: Exception) -> None:
        answer = self._answer
        if answer is not None and not answer.done():
            answer.set_exception(exc)
        self.close()

    def _timed_out(self) -> None:
        self._fail(httpx.ReadTimeout("no answer in time"))

    def usable(self, now: float) -> bool:
        """Still open, not closing, and not idle for so long the server may be closing it."""
        transport = self.transport
        return (
            not self.closed
            and transport is not None
            and not transport.is_closing()
            and now - self.idle_since < KEEPALIVE_SECONDS
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()  # unsent bytes are dropped: nobody waits for them


class Http11Transport(httpx.AsyncBaseTransport):
    """At most `max_connections` keep-alive connections, handed out most recently used first."""

    def __init__(self, max_connections: int, *, ssl_context: ssl.SSLContext | None = None) -> None:
        """Configure; connections are opened on demand, inside the running event loop."""
        self._max = max(1, max_connections)
        self._ssl = ssl_context
        self._open = 0  # connections open or being opened
        self._idle: dict[Origin, list[_Connection]] = {}
        # Callers waiting for a connection: each gets one handed over, or None for a free slot.
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request on a pooled connection; the answer is read whole before returning."""
        timeouts = request.extensions.get("timeout") or {}
        data = _request_bytes(request, await request.aread())
        url = request.url
        scheme = url.raw_scheme
        if scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        origin = (scheme, url.host, url.port or DEFAULT_PORTS[scheme])
        conn = await self._acquire(origin, timeouts.get("pool"), timeouts.get("connect"), request)
        try:
            status, headers, body, keep_alive = await conn.exchange(data, timeouts.get("read"))
        except httpx.TransportError as exc:
            self._discard(conn)
            exc.request = request
            raise
        except BaseException:
            self._discard(conn)  # cancelled mid-answer: the connection is out of step
            raise
        if keep_alive and not conn.closed:
            self._release(conn)
        else:
            self._discard(conn)
        return httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def _acquire(
        self, origin: Origin, pool: float | None, connect: float | None, request: httpx.Request
    ) -> _Connection:
        """An idle connection to `origin`, else a new one, else wait (PoolTimeout) for either."""
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        idle = self._idle.get(origin)
        if idle:
            now = time.monotonic()
            while idle:
                conn = idle.pop()
                if conn.usable(now):
                    return conn
                self._drop(conn)
        if self._open >= self._max:
            self._close_one_idle()  # another origin's idle connection gives up its slot
        if self._open < self._max:
            self._open += 1
            return await self._connect(origin, connect, request)
        waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(pool):
                handed = await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():  # handed over as we gave up
                self._pass_on(waiter.result())
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("no connection free in time", request=request) from None
            raise
        if handed is not None and handed.origin == origin and handed.usable(time.monotonic()):
            return handed
        if handed is not None:
            handed.close()  # its slot is ours now, for a new connection
        return await self._connect(origin, connect, request)

    async def _connect(
        self, origin: Origin, seconds: float | None, request: httpx.Request
    ) -> _Connection:
        """Open a connection in a slot already counted in `_open` (given back on failure)."""
        scheme, host, port = origin
        secure = scheme == b"https"
        if secure and self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, conn = await loop.create_connection(
                    lambda: _Connection(origin),
                    host,
                    port,
                    ssl=self._ssl if secure else None,
                    server_hostname=host if secure else None,
                )
        except BaseException as exc:
            self._pass_on(None)
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout("connecting timed out", request=request) from None
            if isinstance(exc, OSError):  # ssl.SSLError is one too
                raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
            raise
        return conn

    def _release(self, conn: _Connection) -> None:
        """Take back a connection after a whole answer: to a waiter, else to the idle list."""
        conn.idle_since = time.monotonic()
        if self._closed:
            self._drop(conn)
            return
        if not self._to_waiter(conn):
            self._idle.setdefault(conn.origin, []).append(conn)

    def _discard(self, conn: _Connection) -> None:
        """Close a connection that cannot carry another request; its slot goes to a waiter."""
        conn.close()
        self._pass_on(None)

    def _close_one_idle(self) -> None:
        for idle in self._idle.values():
            if idle:
                self._drop(idle.pop(0))
                return

    def _drop(self, conn: _Connection) -> None:
        conn.close()
        self._open -= 1

    def _pass_on(self, conn: _Connection | None) -> None:
        """Hand a connection (or, for None, a free slot) to the first waiter still waiting."""
        if conn is not None:
            self._release(conn)
        elif not self._to_waiter(None):
            self._open -= 1

    def _to_waiter(self, handed: _Connection | None) -> bool:
        """Give a connection (or, for None, a free slot) to the first waiter still waiting;
        False when none is."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(handed)
                return True
        return False

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when their answer is in."""
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                self._drop(conn)
        self._idle.clear()


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request line, headers and body as one buffer (a body without a length is chunked)."""
    lines = [request.method.encode(), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in request.headers.raw:
        lines += (name, b": ", value, b"\r\n")
        chunked = chunked or (
            name.lower() == b"transfer-encoding" and value.lower().strip() == b"chunked"
        )
    lines.append(b"\r\n")
    head = b"".join(lines)
    # A CR or LF inside a name or value would start a header of its own (httpx lets them by).
    breaks = len(request.headers.raw) + 2
    if head.count(b"\n") != breaks or head.count(b"\r") != breaks:
        raise httpx.LocalProtocolError("line break in a request header", request=request)
    if request.method in ("HEAD", "CONNECT"):
        raise httpx.UnsupportedProtocol(f"{request.method} is not supported", request=request)
    if chunked:
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    return head + body
