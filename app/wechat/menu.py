"""The custom menu: load it from the checked-in file and hold it to WeChat's limits."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

MENU_FILE = Path(__file__).resolve().parent.parent / "menu.toml"

MAX_TOP_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_TOP_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
MAX_KEY_BYTES, MAX_URL_BYTES = 128, 1024
# The fields each button type needs, as WeChat's menu/create documents them.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "click": ("key",),
    "view": ("url",),
    "scancode_push": ("key",),
    "scancode_waitmsg": ("key",),
    "pic_sysphoto": ("key",),
    "pic_photo_or_album": ("key",),
    "pic_weixin": ("key",),
    "location_select": ("key",),
    "media_id": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    "miniprogram": ("url", "appid", "pagepath"),
}


class MenuError(ValueError):
    """A menu that WeChat would refuse; the message is one line naming the button and the rule."""


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def load_menu(path: Path = MENU_FILE, *, base_url: str) -> dict[str, Any]:
    """Read the menu file and turn page paths ("/m/…") into absolute links."""
    try:
        menu = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MenuError(f"{path.name}: not valid TOML ({exc})") from None
    for top in menu.get("button", []):
        for button in [top, *top.get("sub_button", [])]:
            url = button.get("url")
            if isinstance(url, str) and url.startswith("/"):
                button["url"] = base_url.rstrip("/") + url
    return menu


def _check_action(button: dict[str, Any], where: str) -> None:
    kind = button.get("type")
    if kind not in REQUIRED_FIELDS:
        raise MenuError(f"{where}: unknown type {kind!r} (one of {', '.join(REQUIRED_FIELDS)})")
    for name in REQUIRED_FIELDS[kind]:
        if not button.get(name):
            raise MenuError(f"{where}: type {kind} needs a {name}")
    key = button.get("key")
    if isinstance(key, str) and _bytes(key) > MAX_KEY_BYTES:
        raise MenuError(f"{where}: key is {_bytes(key)} bytes, the limit is {MAX_KEY_BYTES}")
    url = button.get("url")
    if isinstance(url, str):
        if not url.startswith(("http://", "https://")):
            raise MenuError(f"{where}: url must start with http:// or https://")
        if _bytes(url) > MAX_URL_BYTES:
            raise MenuError(f"{where}: url is {_bytes(url)} bytes, the limit is {MAX_URL_BYTES}")


def _check_name(button: dict[str, Any], where: str, limit: int) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}: a button needs a name")
    if _bytes(name) > limit:
        raise MenuError(f"{where}: name is {_bytes(name)} bytes, the limit is {limit}")


def validate_menu(menu: dict[str, Any]) -> None:
    """Raise MenuError for the first rule the menu breaks; return quietly if WeChat would accept."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP_BUTTONS:
        count = len(buttons) if isinstance(buttons, list) else 0
        raise MenuError(f"menu: {count} top buttons, WeChat allows 1 to {MAX_TOP_BUTTONS}")
    keys: dict[str, str] = {}
    for top in buttons:
        where = f"「{top.get('name', '?')}」"
        _check_name(top, where, MAX_TOP_NAME_BYTES)
        subs = top.get("sub_button")
        if subs is None:
            _check_action(top, where)
            actions = [(top, where)]
        else:
            if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
                raise MenuError(
                    f"{where}: {len(subs)} sub-buttons, WeChat allows 1 to {MAX_SUB_BUTTONS}"
                )
            actions = [(sub, f"{where}→「{sub.get('name', '?')}」") for sub in subs]
            for sub, sub_where in actions:
                _check_name(sub, sub_where, MAX_SUB_NAME_BYTES)
                _check_action(sub, sub_where)
        for button, button_where in actions:
            key = button.get("key")
            if isinstance(key, str):
                if key in keys:
                    raise MenuError(f"{button_where}: key {key} is already used by {keys[key]}")
                keys[key] = button_where


def button_names(menu: dict[str, Any]) -> dict[str, str]:
    """Map each click key to its button's name (what the member tapped)."""
    names: dict[str, str] = {}
    for top in menu.get("button", []):
        for button in [top, *top.get("sub_button", [])]:
            if isinstance(button.get("key"), str):
                names[button["key"]] = button["name"]
    return names


def click_buttons(menu: dict[str, Any]) -> dict[str, str]:
    """Map each key of a button of type click to the button's name, in menu order."""
    names: dict[str, str] = {}
    for top in menu.get("button", []):
        for button in [top, *top.get("sub_button", [])]:
            if button.get("type") == "click" and isinstance(button.get("key"), str):
                names[button["key"]] = button["name"]
    return names
