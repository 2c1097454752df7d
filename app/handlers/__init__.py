"""WeChat message and event handlers, registered by decorator in one module per concept."""

from __future__ import annotations

from functools import cache

from app.handlers import (
    binding,
    broadcasts,
    common,
    me,
    meetings,
    menu,
    newsletters,
    pledges,
    quizzes,
)
from app.handlers.registry import HandlerContext, MessageRouter, Reply


def build_router() -> MessageRouter:
    """A fresh router with every handler module included (tests add their own on top)."""
    router = MessageRouter()
    for module in (
        common,
        binding,
        me,
        meetings,
        pledges,
        quizzes,
        menu,
        broadcasts,
        newsletters,
    ):
        router.include(module.router)
    return router


@cache
def default_router() -> MessageRouter:
    """The router the app uses."""
    return build_router()


__all__ = ["HandlerContext", "MessageRouter", "Reply", "build_router", "default_router"]
