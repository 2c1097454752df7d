"""Enumerate the console's routes (for the tests that check every one is protected)."""

from __future__ import annotations

from typing import Any

from fastapi.routing import iter_route_contexts


def console_paths(app: Any) -> list[tuple[str, set[str]]]:
    """Every /admin/ route of the app with its methods (through included routers too)."""
    return [
        (context.path, set(context.methods or ()))
        for context in iter_route_contexts(app.routes)
        if context.path is not None and context.path.startswith("/admin")
    ]
