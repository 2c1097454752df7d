"""Custom menu limits, each rule with its own errcode."""

from __future__ import annotations

from typing import Any

import pytest

from app.dev.sandbox import SandboxState
from tests.support.sandbox import Wx

CREATE = "/cgi-bin/menu/create"


def click(name: str = "学习日", key: str = "STUDY_DAY") -> dict[str, Any]:
    return {"type": "click", "name": name, "key": key}


def view(name: str = "我的", url: str = "https://example.com/m/") -> dict[str, Any]:
    return {"type": "view", "name": name, "url": url}


def parent(*subs: dict[str, Any], name: str = "党建") -> dict[str, Any]:
    return {"name": name, "sub_button": list(subs)}


async def test_valid_menu_round_trip(wx: Wx, state: SandboxState) -> None:
    assert (await wx.get("/cgi-bin/menu/get"))["errcode"] == 46003
    menu = {"button": [click(), parent(view(), click("请假", "LEAVE")), view("建议")]}
    assert (await wx.post(CREATE, menu))["errcode"] == 0
    assert (await wx.get("/cgi-bin/menu/get"))["menu"] == menu
    assert state.menu == menu
    assert (await wx.get("/cgi-bin/menu/delete"))["errcode"] == 0
    body = await wx.get("/cgi-bin/menu/get")
    assert body["errcode"] == 46003 and body["errmsg"].startswith("menu no exist")


@pytest.mark.parametrize(
    ("buttons", "errcode"),
    [
        ([], 40016),
        ([click(), click(), click(), click()], 40016),
        ([parent(*[click()] * 6)], 40023),
        ([click(name="五个汉字啊啊")], 40018),  # 6 characters = 18 bytes > 16
        ([click(name="")], 40018),
        ([parent(click(name="长" * 21))], 40025),  # 63 bytes > 60
        ([click(key="k" * 129)], 40019),
        ([click(key="")], 40019),
        ([parent(click(key="k" * 129))], 40026),
        ([view(url="https://x/" + "a" * 1015)], 40020),
        ([parent(view(url="https://x/" + "a" * 1015))], 40027),
        ([view(url="ftp://example.com/")], 40055),
        ([parent(view(url="javascript:alert(1)"))], 40054),
        ([{"type": "teleport", "name": "x"}], 40017),
        ([{"name": "无类型"}], 40017),
        ([parent({"type": "teleport", "name": "x"})], 40024),
        ([parent({"name": "子", "sub_button": [click()]})], 40022),
    ],
)
async def test_menu_rules(wx: Wx, buttons: list[dict[str, Any]], errcode: int) -> None:
    assert (await wx.post(CREATE, {"button": buttons}))["errcode"] == errcode


async def test_limits_are_inclusive(wx: Wx) -> None:
    menu = {
        "button": [
            click(name="四个汉字", key="k" * 128),  # 12 bytes; key exactly 128
            parent(*[click(name="长" * 20)] * 5),  # 60 bytes, five sub-buttons
            view(url="https://x/" + "a" * 1014),  # exactly 1,024 bytes
        ]
    }
    assert (await wx.post(CREATE, menu))["errcode"] == 0


async def test_get_is_required_for_menu_get(wx: Wx) -> None:
    assert (await wx.post("/cgi-bin/menu/get", {}))["errcode"] == 43001
