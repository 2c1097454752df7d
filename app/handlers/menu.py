"""Menu buttons: help, newsletter archives, and an honest answer for features not open yet."""

from __future__ import annotations

from functools import cache

from app.handlers import newsletters as newsletter_handlers
from app.handlers.common import help_text
from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.services.newsletters import issues as newsletter_service
from app.wechat.menu import MENU_FILE, button_names, load_menu

router = MessageRouter()


@cache
def _button_names() -> dict[str, str]:
    return button_names(load_menu(MENU_FILE, base_url="http://localhost"))


@router.click("HELP")
async def on_help_button(ctx: HandlerContext) -> Reply:
    """The 使用帮助 button answers like the keyword 帮助."""
    return await help_text(ctx)


@router.event("click")
async def on_other_button(ctx: HandlerContext) -> Reply:
    """A newsletter's button shows its latest issues; any other not-yet-open feature says so."""
    key = ctx.button_key or str(ctx.fields.get("EventKey") or "")
    # Series are data (admins add them with a menu key), so their buttons are looked up here
    # rather than registered one by one.
    series = await newsletter_service.series_by_menu_key(ctx.session, menu_key=key)
    if series is not None:
        return await newsletter_handlers.archive(ctx, series)
    name = _button_names().get(key, "该")
    return f"「{name}」功能即将开放，敬请期待。"
