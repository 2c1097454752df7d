"""The path every fake WeChat API call takes: latency, faults, token, quota, handler, log."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, cast

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute

from app.dev.sandbox import rules, tokens
from app.dev.sandbox.callbacks import SandboxCallbacks
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.faults import Fault
from app.dev.sandbox.models import Follower
from app.dev.sandbox.state import SandboxState

Method = Literal["GET", "POST"]
Json = dict[str, Any]
Handler = Callable[["WxCall"], Awaitable[Json | Response]]

ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>"
)


@dataclass
class Sandbox:
    """What a request handler can reach: the config, the state and the member side."""

    config: SandboxConfig
    state: SandboxState
    callbacks: SandboxCallbacks


def sandbox_of(request: Request) -> Sandbox:
    """Return the sandbox the request's app belongs to (works when mounted, too)."""
    return cast(Sandbox, request.app.state.sandbox_ctx)


def rid() -> str:
    """Return a WeChat-style request id, which WeChat appends to every error message."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


class WxError(Exception):
    """Answer the call with a WeChat error body."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        """Keep the code and WeChat's message for it."""
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or rules.errmsg(errcode)

    def body(self) -> Json:
        """Render as WeChat does, with a request id on the message."""
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg} rid: {rid()}"}


def fail_unless_ok(errcode: int) -> None:
    """Raise WxError for a non-zero errcode."""
    if errcode != rules.OK:
        raise WxError(errcode)


@dataclass
class WxCall:
    """One API call as a handler sees it."""

    request: Request
    sandbox: Sandbox
    body: bytes
    now: float

    @property
    def state(self) -> SandboxState:
        """The sandbox state."""
        return self.sandbox.state

    @property
    def config(self) -> SandboxConfig:
        """The sandbox config."""
        return self.sandbox.config

    def arg(self, name: str) -> str:
        """Return a query parameter, "" when absent."""
        return self.request.query_params.get(name, "")

    @cached_property
    def data(self) -> Json:
        """Return the JSON body; WeChat answers 44002 when empty and 47001 when malformed."""
        if not self.body.strip():
            raise WxError(rules.EMPTY_POST_DATA)
        try:
            data = json.loads(self.body)
        except ValueError:
            raise WxError(rules.DATA_FORMAT_ERROR, "data format error hint: [json]") from None
        if not isinstance(data, dict):
            raise WxError(rules.DATA_FORMAT_ERROR)
        return data


def get_str(data: Json, key: str) -> str:
    """Return a string field ("" when absent); a non-string is WeChat's 47001."""
    value = data.get(key, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # WeChat tolerates numbers where it documents strings
    if not isinstance(value, str):
        raise WxError(rules.DATA_FORMAT_ERROR, f"data format error hint: [{key}]")
    return value


def get_dict(data: Json, key: str) -> Json:
    """Return an object field ({} when absent); anything else is 47001."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise WxError(rules.DATA_FORMAT_ERROR, f"data format error hint: [{key}]")
    return value


def get_list(data: Json, key: str) -> list[Any]:
    """Return an array field ([] when absent); anything else is 47001."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise WxError(rules.DATA_FORMAT_ERROR, f"data format error hint: [{key}]")
    return value


@dataclass(frozen=True)
class Endpoint:
    """A fake WeChat API endpoint."""

    method: Method
    path: str
    handler: Handler
    auth: bool


class WxRouter:
    """Collects endpoints; `install` adds them to an app behind the common pipeline."""

    def __init__(self) -> None:
        """Start with no endpoints."""
        self.endpoints: list[Endpoint] = []

    def get(self, path: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        """Register a GET endpoint."""
        return self._add("GET", path, auth)

    def post(self, path: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        """Register a POST endpoint."""
        return self._add("POST", path, auth)

    def _add(self, method: Method, path: str, auth: bool) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, auth))
            return handler

        return register


def install(app: FastAPI, routers: Iterable[WxRouter]) -> None:
    """Add every endpoint to the app (the routes are built once and shared between apps)."""
    app.router.routes.extend(_routes(tuple(routers)))


@functools.cache
def _routes(routers: tuple[WxRouter, ...]) -> tuple[APIRoute, ...]:
    # Building a route costs FastAPI ~1 ms of signature analysis; the routes find their sandbox
    # through request.app, so one set serves every app a test suite creates.
    routes = []
    for router in routers:
        for endpoint in router.endpoints:
            # The other method is routed too, so it gets WeChat's 43001/43002, not a 405.
            other = "POST" if endpoint.method == "GET" else "GET"
            for method, documented in ((endpoint.method, True), (other, False)):
                routes.append(
                    APIRoute(
                        endpoint.path,
                        _asgi_endpoint(endpoint),
                        methods=[method],
                        name=endpoint.handler.__name__,
                        summary=(endpoint.handler.__doc__ or "").strip() or None,
                        include_in_schema=documented,
                    )
                )
    return tuple(routes)


def _asgi_endpoint(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        return await run_call(endpoint, request)

    return run


async def run_call(endpoint: Endpoint, request: Request) -> Response:
    """Run one call through latency, faults, method, token and quota checks and the handler."""
    sandbox = sandbox_of(request)
    state = sandbox.state
    path = endpoint.path
    delay = state.faults.latency_seconds(path)
    if delay > 0:
        await asyncio.sleep(delay)
    fault = state.faults.take(path)
    if fault is not None and fault.kind != "hang_after":
        return await _fault_response(state, path, fault)
    try:
        result = await _checked_call(endpoint, request, sandbox)
    except WxError as exc:
        result = exc.body()
    if isinstance(result, Response):  # a file (media/get) rather than a JSON answer
        state.record_call(path, rules.OK)
        response = result
    else:
        state.record_call(path, int(result.get("errcode", rules.OK)))
        response = JSONResponse(result)
    if fault is not None:
        # The work is done but the answer never arrives in time: the lost-response case.
        await state.hang(state.faults.hang_seconds)
    return response


async def _checked_call(endpoint: Endpoint, request: Request, sandbox: Sandbox) -> Json | Response:
    state = sandbox.state
    if request.method != endpoint.method:
        raise WxError(rules.REQUIRE_POST if endpoint.method == "POST" else rules.REQUIRE_GET)
    call = WxCall(request=request, sandbox=sandbox, body=await request.body(), now=state.now())
    if endpoint.auth:
        fail_unless_ok(tokens.check(state, request.query_params.get("access_token")))
    quota = state.faults.daily_quota(endpoint.path)
    if quota is not None:
        key = (endpoint.path, rules.china_day(call.now))
        if state.quota_used[key] >= quota:
            raise WxError(rules.API_DAILY_QUOTA)
        state.quota_used[key] += 1
    return await endpoint.handler(call)


async def _fault_response(state: SandboxState, path: str, fault: Fault) -> Response:
    if fault.kind == "errcode":
        state.record_call(path, fault.errcode, fault="errcode")
        return JSONResponse({"errcode": fault.errcode, "errmsg": f"{fault.errmsg} rid: {rid()}"})
    state.record_call(path, None, fault=fault.kind)
    if fault.kind == "hang":
        await state.hang(state.faults.hang_seconds)
        return JSONResponse(WxError(rules.SYSTEM_ERROR).body())
    if fault.kind == "invalid_json":
        return Response('{"errcode":0,"errmsg":"ok","msg', media_type="application/json")
    return HTMLResponse(ERROR_PAGE, status_code=fault.status)


def require_follower(state: SandboxState, openid: str, *, following: bool = True) -> Follower:
    """Return the follower, or raise 40003 (unknown) / 43004 (not following when required)."""
    follower = state.follower(openid)
    if follower is None:
        raise WxError(rules.INVALID_OPENID)
    if following and not follower.subscribed:
        raise WxError(rules.REQUIRE_SUBSCRIBE)
    return follower


def ok(**extra: Any) -> Json:
    """Return WeChat's success body with extra fields."""
    return {"errcode": rules.OK, "errmsg": "ok", **extra}
