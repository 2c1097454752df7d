"""HTTP request metrics whose route lookup costs microseconds, not a rebuild of every route.

prometheus-fastapi-instrumentator names each request by its route template, and to find it
flattens the app's routes on every request. With FastAPI's included routers that flattening
re-creates nested routers and rebuilds their dependants (signatures, pydantic schemas): on
/wechat it was more than half of the callback's CPU. The routes are fixed once the app
serves, so this middleware flattens them once and remembers the template of every plain path.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator, metrics, routing
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

# Paths whose template is the path itself (/wechat, /healthz, /admin/…): a bounded set, since
# only a route without parameters can match its own path exactly.
_MAX_REMEMBERED = 4096


class RouteMetricsMiddleware(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware with the route templates resolved from a cache."""

    def __init__(self, app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._flat: tuple[int, int, list[BaseRoute]] | None = None
        self._static: dict[tuple[str, str, str], str] = {}

    def _routes(self, app: Any) -> list[BaseRoute]:
        """The app's routes flattened, rebuilt only if the app or its route count changes."""
        routes = app.routes
        flat = self._flat
        if flat is None or flat[0] != id(app) or flat[1] != len(routes):
            # The instrumentator's own flattening, once (its private helper, pinned by the lock).
            flat = (id(app), len(routes), routing._effective_routes(routes))
            self._flat = flat
            self._static.clear()
        return flat[2]

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        """The route template and whether one matched, as the instrumentator's own lookup."""
        scope = request.scope
        app = scope.get("app")
        if app is None or not getattr(app, "routes", None):
            return super()._get_handler(request)
        path = scope.get("path", "")
        key = (scope.get("method", ""), path, scope.get("root_path", ""))
        if (known := self._static.get(key)) is not None:
            return known, True
        name = routing._get_route_name(scope, self._routes(app))
        if name is None:
            # No route: the instrumentator's fallbacks (trailing slash redirect, raw path).
            return super()._get_handler(request)
        root_path = getattr(app, "root_path", "") or ""
        if self.should_include_root_path and root_path:
            name = root_path.rstrip("/") + name
        if name == path and len(self._static) < _MAX_REMEMBERED:
            self._static[key] = name
        return name, True


def instrument(app: FastAPI, instrumentator: Instrumentator) -> None:
    """`instrumentator.instrument(app)`, with its middleware swapped for the cached one.

    The default metrics are made here, once, not by the middleware: a second middleware over
    the same registry (the callback's lane) would otherwise find them taken and count nothing.
    """
    if not instrumentator.instrumentations:
        default = metrics.default(registry=instrumentator.registry)
        if default is not None:
            instrumentator.add(default)
    instrumentator.instrument(app)
    swapped: list[Middleware] = []
    for middleware in app.user_middleware:
        cls, args, kwargs = middleware
        if cls is PrometheusInstrumentatorMiddleware:
            # (the instrumentator types __call__ loosely, so mypy cannot see an ASGI app)
            middleware = Middleware(RouteMetricsMiddleware, *args, **kwargs)  # type: ignore[arg-type]
        swapped.append(middleware)
    app.user_middleware = swapped


def metrics_middleware(app: FastAPI) -> Middleware:
    """The request-metrics middleware as instrument() installed it, to wrap another app the same
    way (same metrics, same registry)."""
    for middleware in app.user_middleware:
        if middleware.cls is cast(Any, RouteMetricsMiddleware):
            return middleware
    raise LookupError("instrument(app, …) first")
