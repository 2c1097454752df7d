"""Run a command's coroutine on uvloop when it is installed (uvicorn[standard] brings it)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, on uvloop where available: a broadcast sender spends its CPU in the loop."""
    # As in the web process (app.main): what is loaded lives as long as the command, and each
    # message allocates thousands of short-lived objects; collect the young generation less often.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop does not build on every platform
        return asyncio.run(coro)
    return uvloop.run(coro)
