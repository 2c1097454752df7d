"""Custom menu: create (with WeChat's size and type rules), get, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.dev.sandbox import rules
from app.dev.sandbox.pipeline import Json, WxCall, WxError, WxRouter, get_list, ok

router = WxRouter()

# What each button type must carry besides its name.
BUTTON_TYPES: dict[str, str] = {
    "click": "key",
    "scancode_push": "key",
    "scancode_waitmsg": "key",
    "pic_sysphoto": "key",
    "pic_photo_or_album": "key",
    "pic_weixin": "key",
    "location_select": "key",
    "view": "url",
    "media_id": "media_id",
    "view_limited": "media_id",
    "article_id": "article_id",
    "article_view_limited": "article_id",
    "miniprogram": "url",
}


@dataclass(frozen=True)
class Level:
    """The limits and error codes of one menu level (WeChat has a set for each)."""

    name_max: int
    type_code: int
    name_code: int
    key_code: int
    url_code: int
    domain_code: int


TOP = Level(
    rules.MENU_TOP_NAME_MAX_BYTES,
    rules.INVALID_BUTTON_TYPE,
    rules.INVALID_BUTTON_NAME_SIZE,
    rules.INVALID_BUTTON_KEY_SIZE,
    rules.INVALID_BUTTON_URL_SIZE,
    rules.INVALID_BUTTON_URL_DOMAIN,
)
SUB = Level(
    rules.MENU_SUB_NAME_MAX_BYTES,
    rules.INVALID_SUB_BUTTON_TYPE,
    rules.INVALID_SUB_BUTTON_NAME_SIZE,
    rules.INVALID_SUB_BUTTON_KEY_SIZE,
    rules.INVALID_SUB_BUTTON_URL_SIZE,
    rules.INVALID_SUB_BUTTON_URL_DOMAIN,
)


def _bytes(value: Any) -> int:
    return len(value.encode()) if isinstance(value, str) else 0


def check_action(button: dict[str, Any], level: Level) -> None:
    """Check a leaf button's type and the field that type needs."""
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise WxError(level.type_code)
    needs = BUTTON_TYPES[kind]
    if needs == "key" and not 0 < _bytes(button.get("key")) <= rules.MENU_KEY_MAX_BYTES:
        raise WxError(level.key_code)
    if needs == "url":
        url = button.get("url")
        if not 0 < _bytes(url) <= rules.MENU_URL_MAX_BYTES:
            raise WxError(level.url_code)
        if not str(url).startswith(("http://", "https://")):
            raise WxError(level.domain_code)
        if kind == "miniprogram" and not (button.get("appid") and button.get("pagepath")):
            raise WxError(rules.INVALID_ARGS)
    if needs in {"media_id", "article_id"} and not button.get(needs):
        raise WxError(rules.INVALID_MEDIA_ID)


def check_button(button: Any, level: Level) -> None:
    """Check one button: its name size, then its sub-buttons or its action."""
    if not isinstance(button, dict):
        raise WxError(rules.DATA_FORMAT_ERROR)
    if not 0 < _bytes(button.get("name")) <= level.name_max:
        raise WxError(level.name_code)
    subs = button.get("sub_button")
    if level is TOP and isinstance(subs, list) and subs:
        if len(subs) > rules.MENU_MAX_SUB:
            raise WxError(rules.INVALID_SUB_BUTTON_SIZE)
        for sub in subs:
            check_button(sub, SUB)
        return
    if level is SUB and isinstance(button.get("sub_button"), list) and button["sub_button"]:
        raise WxError(rules.INVALID_SUB_BUTTON_LEVEL)
    check_action(button, level)


def check_menu(data: Json) -> list[Any]:
    """Validate a whole menu; return its buttons."""
    buttons = get_list(data, "button")
    if not 1 <= len(buttons) <= rules.MENU_MAX_TOP:
        raise WxError(rules.INVALID_BUTTON_SIZE)
    for button in buttons:
        check_button(button, TOP)
    return buttons


@router.post("/cgi-bin/menu/create")
async def menu_create(call: WxCall) -> Json:
    """Replace the custom menu."""
    call.state.menu = {"button": check_menu(call.data)}
    return ok()


@router.get("/cgi-bin/menu/get")
async def menu_get(call: WxCall) -> Json:
    """Return the custom menu, or 46003 when there is none."""
    if call.state.menu is None:
        raise WxError(rules.MENU_NOT_EXIST)
    return {"menu": call.state.menu}


@router.get("/cgi-bin/menu/delete")
async def menu_delete(call: WxCall) -> Json:
    """Delete the custom menu."""
    call.state.menu = None
    return ok()
