"""The WeChat API plumbing: shared token, rate limit, bounded retries, typed errors."""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal, Self, TypeVar

import httpx
import structlog

from app.metrics import NO_OUTBOUND_METRICS, OutboundSink
from app.models.types import utcnow
from app.wechat.errors import (
    PermanentError,
    QuotaError,
    TokenInvalidError,
    TransientError,
    WeChatError,
    classify,
)
from app.wechat.ratelimit import Limiter, RateLimiter
from app.wechat.tokens import TokenManager, TokenStore
from app.wechat.types import DownloadedMedia

log = structlog.get_logger("app.wechat.client")

T = TypeVar("T")

BACKOFF_CAP_SECONDS = 5.0
# httpx failures where the request certainly never reached WeChat: safe to resend anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class WeChatTransport:
    """The plumbing of the client: one httpx client, the shared token, limits and retries."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        token_store: TokenStore,
        base_url: str = "https://api.weixin.qq.com",
        oauth_base_url: str = "https://open.weixin.qq.com",
        http: httpx.AsyncClient | None = None,
        owns_http: bool | None = None,
        timeout: float = 5.0,
        max_retries: int = 3,
        rate_limit_per_second: float | None = 20.0,
        limiter: Limiter | None = None,
        backoff_base: float = 0.2,
        refresh_margin_seconds: float = 300,
        clock: Callable[[], datetime] = utcnow,
        metrics: OutboundSink = NO_OUTBOUND_METRICS,
    ) -> None:
        """Configure the account; `http` is borrowed when given (unless `owns_http`), else owned.

        `metrics` counts every exchange and token fetch (the web app's /metrics); by default
        nothing is counted. `limiter` (the deployment's shared one) replaces this process's
        `rate_limit_per_second`.
        """
        self.app_id = app_id
        self._secret = app_secret
        self._base_url = base_url.rstrip("/")
        self._oauth_base_url = oauth_base_url.rstrip("/")
        self._owns_http = http is None if owns_http is None else owns_http
        self._http = http or httpx.AsyncClient()
        self._timeout = timeout
        # Waiting for a pooled connection or connecting gets half the budget, so that httpx says
        # PoolTimeout / ConnectTimeout (nothing sent: safe to resend) before the overall bound
        # fires, which can only say "maybe sent".
        self._phases = httpx.Timeout(timeout, connect=timeout / 2, pool=timeout / 2)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._limiter: Limiter | None = limiter or (
            RateLimiter(rate_limit_per_second) if rate_limit_per_second else None
        )
        self._clock = clock
        self._metrics = metrics
        self._failed_tokens: set[str] = set()
        self.tokens = TokenManager(
            token_store,
            self._fetch_access_token,
            name=f"access_token:{app_id}",
            refresh_margin_seconds=refresh_margin_seconds,
            clock=clock,
        )
        self.tickets = TokenManager(
            token_store,
            self._fetch_jsapi_ticket,
            name=f"jsapi_ticket:{app_id}",
            refresh_margin_seconds=refresh_margin_seconds,
            clock=clock,
        )

    @property
    def limiter(self) -> Limiter | None:
        """The call-rate limiter (closing it makes calls not yet made raise LimiterClosed)."""
        return self._limiter

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- transport ----------------------------------------------------------------------
    async def _exchange(
        self,
        call: str,
        method: str,
        path: str,
        params: dict[str, str],
        kwargs: dict[str, Any],
        *,
        max_bytes: int | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """One HTTP exchange and its body, bounded in time (and in size when `max_bytes`)."""
        if self._limiter is not None:
            await self._limiter.acquire()
        try:
            # httpx times each phase separately (and ASGI transports not at all): this bounds
            # the whole exchange, so a trickling or hanging upstream cannot stall a caller.
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream(
                    method,
                    _url(self._base_url + path, tuple(params.items())),
                    timeout=self._phases,
                    **kwargs,
                ) as response,
            ):
                if response.status_code >= 500:
                    raise TransientError(
                        None, f"HTTP {response.status_code}", call, maybe_done=True
                    )
                if response.status_code >= 400:
                    raise PermanentError(None, f"HTTP {response.status_code}", call)
                return response, await _read_bounded(response, call, max_bytes)
        except TimeoutError:
            raise TransientError(None, "timed out", call, maybe_done=True) from None
        except _NOT_SENT as exc:
            raise TransientError(None, type(exc).__name__, call) from None
        except httpx.TransportError as exc:
            raise TransientError(None, type(exc).__name__, call, maybe_done=True) from None

    async def _send(
        self, call: str, method: str, path: str, params: dict[str, str], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """One API exchange answered with JSON; any non-JSON outcome is TransientError."""
        _response, content = await self._exchange(call, method, path, params, kwargs)
        return _json_object(call, content)

    async def _fetch_file(
        self, call: str, path: str, params: dict[str, str], max_bytes: int
    ) -> DownloadedMedia:
        """One exchange answered with a file; a JSON body with an errcode is WeChat's refusal."""
        response, content = await self._exchange(call, "GET", path, params, {}, max_bytes=max_bytes)
        content_type = response.headers.get("content-type", "application/octet-stream")
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json" or kind.startswith("text/"):
            # WeChat answers errors as JSON (sometimes labelled text/plain); a gateway's HTML
            # page or a truncated body is no answer at all, as for any other call.
            _raise_for_errcode(call, _json_object(call, content))
        return DownloadedMedia(content=content, content_type=content_type)

    async def _call(
        self,
        call: str,
        path: str,
        *,
        method: Literal["GET", "POST"] = "POST",
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        auth: bool = True,
        resend_safe: bool = True,
    ) -> dict[str, Any]:
        """Call an API answering JSON; see `_attempts` for tokens, retries and `resend_safe`."""
        kwargs: dict[str, Any] = {}
        if body is not None:
            # WeChat shows \uXXXX escapes literally in some messages: send UTF-8 as is.
            kwargs["content"] = json.dumps(body, ensure_ascii=False).encode()
            kwargs["headers"] = {"content-type": "application/json; charset=utf-8"}
        if files is not None:
            kwargs["files"] = files

        async def once(query: dict[str, str]) -> dict[str, Any]:
            data = await self._send(call, method, path, query, kwargs)
            _raise_for_errcode(call, data)
            return data

        return await self._attempts(
            call, path, once, params=params, auth=auth, resend_safe=resend_safe
        )

    async def _download(
        self, call: str, path: str, *, params: dict[str, str], max_bytes: int
    ) -> DownloadedMedia:
        """GET a file (safe to resend) with `_call`'s tokens and retries; over `max_bytes`
        is a PermanentError, and no more than that is read."""

        async def once(query: dict[str, str]) -> DownloadedMedia:
            return await self._fetch_file(call, path, query, max_bytes)

        return await self._attempts(call, path, once, params=params)

    async def _attempts(
        self,
        call: str,
        path: str,
        once: Callable[[dict[str, str]], Awaitable[T]],
        *,
        params: dict[str, str] | None = None,
        auth: bool = True,
        resend_safe: bool = True,
    ) -> T:
        """Run `once` with the token: refresh once on a dead token; retry transients.

        `once` makes one exchange with the query it is given (the token added) and raises a
        WeChatError for a failure. `resend_safe=False` (messages, creations) retries only
        failures that certainly did not reach WeChat, so a lost answer never turns into a
        second message on a member's phone.
        """
        attempt, token_refreshed = 0, False
        while True:
            attempt += 1
            query = dict(params or {})
            token = await self.tokens.get() if auth else ""
            if auth:
                query["access_token"] = token
            try:
                result = await once(query)
            except WeChatError as exc:
                exc.attempts = attempt
                error = exc
                self._metrics.api_call(call, exc.errcode)
            else:
                self._metrics.api_call(call, 0)
                return result
            log.warning(
                "wechat_call_failed", call=call, path=path, errcode=error.errcode, attempt=attempt
            )
            if isinstance(error, TokenInvalidError) and auth and not token_refreshed:
                token_refreshed = True
                self._failed_tokens = {token}
                await self.tokens.invalidate(token)
                attempt -= 1  # a refreshed token is not one of the transient retries
                continue
            if not isinstance(error, TransientError) or attempt > self._max_retries:
                raise error
            if error.maybe_done and not resend_safe:
                raise error
            await self._backoff(attempt)

    async def _backoff(self, attempt: int) -> None:
        """Exponential backoff with full jitter, so many retrying callers spread out."""
        ceiling = min(BACKOFF_CAP_SECONDS, self._backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(0, ceiling)  # noqa: S311 - jitter, not security
        if delay > 0:
            await asyncio.sleep(delay)

    # --- credentials --------------------------------------------------------------------
    async def _fetch_access_token(self) -> tuple[str, int]:
        """Fetch the stable token; force a new one only if WeChat hands back a rejected one."""
        data = await self._stable_token(force=False)
        if data[0] in self._failed_tokens:
            try:
                data = await self._stable_token(force=True)
            except QuotaError:
                # 20 forced refreshes a day, 30 s apart: past that, WeChat's current one it is.
                log.warning("forced_token_refresh_refused", call="stable_token")
        self._failed_tokens = set()
        self._metrics.token_refresh()
        return data

    async def _stable_token(self, *, force: bool) -> tuple[str, int]:
        body = {
            "grant_type": "client_credential",
            "appid": self.app_id,
            "secret": self._secret,
            "force_refresh": force,
        }
        data = await self._call("stable_token", "/cgi-bin/stable_token", body=body, auth=False)
        return str(data["access_token"]), int(data["expires_in"])

    async def _fetch_jsapi_ticket(self) -> tuple[str, int]:
        data = await self._call(
            "getticket", "/cgi-bin/ticket/getticket", method="GET", params={"type": "jsapi"}
        )
        return str(data["ticket"]), int(data["expires_in"])


@functools.lru_cache(maxsize=64)
def _url(address: str, query: tuple[tuple[str, str], ...]) -> httpx.URL:
    """The request's URL, parsed once per path and token (httpx parses it char by char, and
    a broadcast sends thousands of calls to one URL; the cache is small, tokens change)."""
    return httpx.URL(address, params=dict(query) if query else None)


async def _read_bounded(response: httpx.Response, call: str, max_bytes: int | None) -> bytes:
    """The response's body; more than `max_bytes` (announced or read) is a PermanentError."""
    if max_bytes is None:
        return await response.aread()
    too_large = PermanentError(None, f"answer larger than {max_bytes} bytes", call)
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(call: str, content: bytes) -> dict[str, Any]:
    """Parse an answer that must be a JSON object; anything else is TransientError."""
    try:
        data = json.loads(content)
    except ValueError:
        # An HTML error page from WeChat's gateway or a truncated body: no answer at all.
        raise TransientError(None, "not JSON", call, maybe_done=True) from None
    if not isinstance(data, dict):
        raise TransientError(None, "not a JSON object", call, maybe_done=True)
    return data


def _raise_for_errcode(call: str, data: dict[str, Any]) -> None:
    """Raise the typed error (see `classify`) for a non-zero errcode in WeChat's answer."""
    errcode = int(data.get("errcode") or 0)
    if errcode != 0:
        raise classify(errcode)(errcode, str(data.get("errmsg", "")), call)
