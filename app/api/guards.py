"""What the edge refuses or adds before any route runs: oversized bodies, HSTS, closed docs.

Header size is not limited here: the server refuses oversized headers before the app sees
them (uvicorn's h11 parser stops at `--h11-max-incomplete-event-size`, 16 KiB by default;
`shente serve` uses h11 for that reason, see app/cli/main.py).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import docs as api_docs
from app.api.deps import optional_principal
from app.services.accounts.admins import Principal

# The sign-in form holds a username, a password and a CSRF token: no reason to read more.
SMALL_BODY_PATHS = {"/admin/login": 16 * 1024}
HSTS = b"max-age=31536000; includeSubDomains"


class BodyLimitMiddleware:
    """Refuse a request body over the limit with 413, before reading it when it says its size.

    A declared Content-Length over the limit is refused at once; a chunked body is counted as
    it streams and refused as soon as it passes the limit (the app then sees a disconnect).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared size, then count what streams in."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = SMALL_BODY_PATHS.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        received = 0
        refused = started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused and message["type"].startswith("http.response"):
                return  # the 413 has gone out; whatever the app says after it is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise  # the app failing on the cut-off body is expected; nothing else is


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"detail": f"请求内容太大（上限 {limit // 1024} KB）"}, ensure_ascii=False
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": [*headers]})
    await send({"type": "http.response.body", "body": body})


class HstsMiddleware:
    """Production is HTTPS only: tell browsers never to try plain HTTP (one year)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add Strict-Transport-Security to every response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"strict-transport-security", HSTS))
            await send(message)

        await self.app(scope, receive, with_hsts)


def metrics_guard(token: str | None) -> Callable[[Request], Awaitable[None]]:
    """A dependency for /metrics: the bearer token when one is set (production requires it)."""

    async def check(request: Request) -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
            )

    return check


# In production the API's description is for signed-in console users only.
signed_in_docs = APIRouter(include_in_schema=False)


async def _signed_in(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "需要先登录管理后台")
    return principal


@signed_in_docs.get("/openapi.json", dependencies=[Depends(_signed_in)])
async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI description, for signed-in console users."""
    return JSONResponse(request.app.openapi())


@signed_in_docs.get("/docs", dependencies=[Depends(_signed_in)])
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI (the vendored one), for signed-in console users."""
    return await api_docs.swagger_ui(request)
