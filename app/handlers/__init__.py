"""WeChat message and event handlers: the registry, the runtime, and one module per feature."""

from __future__ import annotations

from functools import cache

from app.features import layer_modules
from app.handlers import common, menu
from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.wechat.menu import MENU_FILE, click_buttons, load_menu


def build_router() -> MessageRouter:
    """A fresh router: the account's basics, every feature's handlers, then the menu's fallbacks."""
    router = MessageRouter()
    for module in (common, *layer_modules("handlers"), menu):
        router.include(module.router)
    # Every click button's name, typed, does what tapping the button does.
    router.add_buttons(click_buttons(load_menu(MENU_FILE, base_url="http://localhost")))
    return router


@cache
def default_router() -> MessageRouter:
    """The router the app uses."""
    return build_router()


__all__ = ["HandlerContext", "MessageRouter", "Reply", "build_router", "default_router"]
