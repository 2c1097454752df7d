"""An httpx transport over aiohttp: the httpx API the client is written against, aiohttp's
C-accelerated HTTP/1.1 and connection pool underneath.

A broadcast sender keeps ~50 calls in flight; httpcore's pool, anyio's cancel scopes and h11
cost it more CPU per message than everything else together (py-spy), aiohttp about half.
aiohttp's errors are mapped to the httpx ones `WeChatTransport` sorts by "certainly not sent"
(ConnectError, ConnectTimeout, PoolTimeout) and "may have reached WeChat" (everything else).

Not wired in yet (app/wechat/setup.py keeps httpcore's sharded pools): in bench/broadcast.py's
crash phase (60 calls/s, receipts to a loaded app) a sender on it stalled, all 50 calls timing
out together every 5 s, where httpcore's did not; until that is understood, it is opt-in.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import certifi
import httpx

CHUNK_BYTES = 64 * 1024


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    """Raise aiohttp's failures as the httpx exception that says whether the call went out."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        # Waiting for a pooled connection or connecting: nothing was written.
        raise httpx.ConnectTimeout(str(exc) or "connection timed out", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except aiohttp.SocketTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except aiohttp.ServerTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:
        # The request may have been read before the server hung up.
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.ReadError(str(exc), request=request) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:
        # A reset or a broken pipe after the connection was up: possibly sent.
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


class _Body(httpx.AsyncByteStream):
    """The response body, read from aiohttp in chunks (so callers can bound its size)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._response.content.iter_chunked(CHUNK_BYTES):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests through one aiohttp session of at most `max_connections`."""

    def __init__(self, max_connections: int) -> None:
        """Configure; the session is made on first use, inside the running event loop."""
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        # The same trust store as httpx's own transport.
        context = ssl.create_default_context(cafile=certifi.where())
        connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0, ssl=context)
        self._session = aiohttp.ClientSession(
            connector=connector,
            # httpx already did these: proxies from the environment are httpx's mounts, and
            # the client keeps no cookies; aiohttp's netrc and proxy look-ups cost a thread.
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        return self._session

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        """httpx's per-phase timeouts as aiohttp's: its `connect` bounds the pool wait and the
        connecting together, so it gets the pool's budget and ends before the call's bound."""
        phases = request.extensions.get("timeout") or {}
        key = (phases.get("pool"), phases.get("connect"), phases.get("read"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            pool, connect, read = key
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=pool,
                sock_connect=connect,
                sock_read=read,
            )
            self._timeouts[key] = timeout
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request; the response streams its body from aiohttp."""
        session = self._session or self._open()
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with _mapped(request):
            response = await session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=self._timeout(request),
                # httpx set accept-encoding itself and decodes what it asked for.
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
            )
        return httpx.Response(
            status_code=response.status,
            headers=[(k, v) for k, v in response.raw_headers],
            stream=_Body(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
