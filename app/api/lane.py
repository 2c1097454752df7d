"""The callback's own lane: /wechat straight to its endpoints, ahead of everything else.

WeChat's callback carries no cookie, serves no page and reads its body under its own limit, so
the session, the member pages' headers, the general body limit, FastAPI's error layers and the
router matching over every console route only cost it CPU. `LanedApp` hands the callback's
paths to the lane before Starlette builds its middleware stack; the lane keeps what the
callback needs: the request id with its log line, and the request metrics that the alerts read
under handler="/wechat".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from timeit import default_timer

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.instrumentation import RequestMetrics
from app.logging import RequestIdMiddleware

Endpoint = Callable[[Request], Awaitable[Response]]


class CallbackLane:
    """An ASGI app for a few plain routes: each request straight to its endpoint function."""

    def __init__(self, *, owner: FastAPI, routes: Sequence[Route], metrics: RequestMetrics) -> None:
        """`owner`: the app the endpoints find as request.app; `metrics`: its request metrics."""
        self.owner = owner
        self.endpoints: dict[tuple[str, str], Endpoint] = {
            (route.path, method): route.endpoint
            for route in routes
            for method in route.methods or ()
        }
        self.paths = frozenset(path for path, _ in self.endpoints)
        self.metrics = metrics
        self.app: ASGIApp = RequestIdMiddleware(self._serve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request and count it (its path is its route's: the lane's have no
        parameters); an error is a 500 as Starlette's own would be, and raised on."""
        scope["app"] = self.owner
        started_at = default_timer()
        status = 0
        response_size = 0

        async def tracked(message: Message) -> None:
            nonlocal status, response_size
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"content-length":
                        response_size = int(value)
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if not status:
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, tracked)
            raise
        finally:
            request_size = next(
                (int(v) for k, v in scope["headers"] if k == b"content-length" and v.isdigit()), 0
            )
            self.metrics.observe(
                method=scope["method"],
                handler=scope["path"],
                status=f"{str(status or 500)[0]}xx",
                request_size=request_size,
                response_size=response_size,
                duration=max(default_timer() - started_at, 0.0),
            )

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoints.get((scope["path"], scope["method"]))
        if endpoint is None:
            allowed = sorted(m for path, m in self.endpoints if path == scope["path"])
            response: Response = PlainTextResponse(
                "Method Not Allowed", 405, headers={"Allow": ", ".join(allowed)}
            )
        else:
            response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)


class LanedApp(FastAPI):
    """FastAPI, with the callback's paths served by its lane before any middleware."""

    lane: CallbackLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The lane's paths to the lane; everything else (and lifespan) to FastAPI."""
        lane = self.lane
        if lane is not None and scope["type"] == "http" and scope["path"] in lane.paths:
            await lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
