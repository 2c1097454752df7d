"""Every HTTP route an app serves, through included routers (lazy in FastAPI 0.163) and mounts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Host, Mount
from starlette.staticfiles import StaticFiles

_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Endpoint:
    """A path template and its methods; `opaque` for a mounted app that lists no routes."""

    path: str
    methods: frozenset[str]
    static: bool = False
    opaque: bool = False

    def url(self) -> str:
        """The path with every parameter filled with 1 (a mount gets its root)."""
        filled = _PARAM.sub("1", self.path)
        return filled + "/" if self.opaque else filled


def walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[Endpoint]:
    """Every endpoint below these routes, with its full path."""
    for context in iter_route_contexts(routes):
        route = context.original_route
        path = prefix + (context.path or "")
        if isinstance(route, Mount):
            app = getattr(route, "_base_app", route.app)
            if route.routes:
                yield from walk(route.routes, path)
            else:
                static = isinstance(app, StaticFiles)
                yield Endpoint(path, frozenset({"GET"}), static=static, opaque=not static)
        elif isinstance(route, Host):
            yield from walk(route.routes, prefix)
        elif context.methods:  # websockets have none
            yield Endpoint(path, frozenset(context.methods))
