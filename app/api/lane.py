"""The callback's own lane: /wechat straight to its endpoints, past the console's middleware.

WeChat's callback carries no cookie, serves no page and reads its body under its own limit, so
the session, the member pages' headers, the general body limit, FastAPI's error layers and the
router matching over every console route only cost it CPU (about a tenth of it). It keeps what
it needs: the request id with its log line, and the request metrics that the alerts read under
handler="/wechat".
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from app.logging import RequestIdMiddleware


class CallbackLane:
    """Outermost middleware: the callback's paths to a small stack of their own, the rest on."""

    def __init__(
        self, app: ASGIApp, *, owner: FastAPI, routes: Sequence[Route], metrics: Middleware
    ) -> None:
        """`owner`: the app the endpoints find as request.app; `metrics`: its metrics middleware."""
        self.app = app
        self.owner = owner
        self.paths = frozenset(route.path for route in routes)
        metered = metrics.cls(Router(routes=list(routes)), *metrics.args, **metrics.kwargs)
        self.lane = RequestIdMiddleware(metered)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route the callback's paths to their lane."""
        if scope["type"] == "http" and scope["path"] in self.paths:
            scope["app"] = self.owner
            await self.lane(scope, receive, send)
            return
        await self.app(scope, receive, send)
