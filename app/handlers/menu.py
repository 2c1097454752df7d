"""Menu buttons: help, and an honest answer for features that have not opened yet."""

from __future__ import annotations

from functools import cache

from app.handlers.common import help_text
from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.wechat.menu import MENU_FILE, button_names, load_menu

router = MessageRouter()


@cache
def _button_names() -> dict[str, str]:
    return button_names(load_menu(MENU_FILE, base_url="http://localhost"))


@router.click("HELP")
async def on_help_button(ctx: HandlerContext) -> Reply:
    """The 使用帮助 button answers like the keyword 帮助."""
    return help_text(ctx.router)


@router.event("click")
async def on_other_button(ctx: HandlerContext) -> Reply:
    """A button whose feature is not available yet says so, instead of staying silent."""
    name = _button_names().get(str(ctx.fields.get("EventKey") or ""), "该")
    return f"「{name}」功能即将开放，敬请期待。"
