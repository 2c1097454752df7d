"""HTTP request metrics whose route lookup costs microseconds, not a rebuild of every route.

prometheus-fastapi-instrumentator names each request by its route template, and to find it
flattens the app's routes on every request. With FastAPI's included routers that flattening
re-creates nested routers and rebuilds their dependants (signatures, pydantic schemas): on
/wechat it was more than half of the callback's CPU. The routes are fixed once the app
serves, so this middleware flattens them once and remembers the template of every plain path.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram, Summary
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


# The instrumentator's own default buckets.
_HIGHR_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2)
_HIGHR_BUCKETS += (2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60)
_LOWR_BUCKETS = (0.1, 0.5, 1)
_MAX_LABELLED = 1024  # (method, handler, status) kinds whose children are kept at hand


class RequestMetrics:
    """The instrumentator's default request metrics, with its names, labels and buckets, made
    here so that the callback's lane records into them directly: the middleware's work per
    request (a Request, a Response rebuilt from the headers, an Info, an empty gather, five
    label look-ups) was about a twentieth of the callback's CPU."""

    def __init__(self, registry: CollectorRegistry) -> None:
        """Register the five metrics in `registry`."""
        self.total = Counter(
            "http_requests_total",
            "Total number of requests by method, status and handler.",
            ("method", "status", "handler"),
            registry=registry,
        )
        self.request_size = Summary(
            "http_request_size_bytes",
            "Content length of incoming requests by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
            registry=registry,
        )
        self.response_size = Summary(
            "http_response_size_bytes",
            "Content length of outgoing responses by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_highr_seconds",
            "Latency with many buckets but no API specific labels. Made for more accurate "
            "percentile calculations. ",
            buckets=_HIGHR_BUCKETS,
            registry=registry,
        )
        self.latency_by_handler = Histogram(
            "http_request_duration_seconds",
            "Latency with only few buckets by handler. Made to be only used if aggregation "
            "by handler is important. ",
            ("method", "handler"),
            buckets=_LOWR_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any, Any, Any]] = {}

    def __call__(self, info: metrics.Info) -> None:
        """The instrumentator's instrumentation, for every route outside the lane."""
        response = info.response
        headers = getattr(response, "headers", None) if response is not None else None
        self.observe(
            method=info.method,
            handler=info.modified_handler,
            status=info.modified_status,
            request_size=int(info.request.headers.get("Content-Length", 0)),
            response_size=int(headers.get("Content-Length", 0)) if headers is not None else 0,
            duration=info.modified_duration,
        )

    def observe(
        self,
        *,
        method: str,
        handler: str,
        status: str,
        request_size: int,
        response_size: int,
        duration: float,
    ) -> None:
        """Count one request (`status` grouped as the instrumentator does: "2xx")."""
        key = (method, handler, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.total.labels(method, status, handler),
                self.request_size.labels(handler),
                self.response_size.labels(handler),
                self.latency_by_handler.labels(method, handler),
            )
            if len(self._children) < _MAX_LABELLED:
                self._children[key] = children
        total, request_size_child, response_size_child, latency_child = children
        total.inc()
        request_size_child.observe(request_size)
        response_size_child.observe(response_size)
        self.latency.observe(duration)
        latency_child.observe(duration)


def instrument(app: FastAPI, instrumentator: Instrumentator) -> RequestMetrics:
    """`instrumentator.instrument(app)` with the request metrics made here and its middleware
    swapped for the cached one; the metrics are returned for the callback's lane."""
    request_metrics = RequestMetrics(instrumentator.registry)
    instrumentator.add(request_metrics)
    instrumentator.instrument(app)
    swapped: list[Middleware] = []
    for middleware in app.user_middleware:
        cls, args, kwargs = middleware
        if cls is PrometheusInstrumentatorMiddleware:
            # (the instrumentator types __call__ loosely, so mypy cannot see an ASGI app)
            middleware = Middleware(RouteMetricsMiddleware, *args, **kwargs)  # type: ignore[arg-type]
        swapped.append(middleware)
    app.user_middleware = swapped
    return request_metrics
