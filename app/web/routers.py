"""Routers made of routers: a feature's pages, the console, the member pages."""

from __future__ import annotations

from types import ModuleType

from fastapi import APIRouter


def combined(*modules: ModuleType, into: APIRouter | None = None) -> APIRouter:
    """A router with each module's `router` included in this order (the first match wins)."""
    router = into if into is not None else APIRouter()
    for module in modules:
        router.include_router(module.router)
    return router
