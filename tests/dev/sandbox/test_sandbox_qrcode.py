"""Parametric QR codes: qrcode/create with WeChat's action names, scene rules and lifetimes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.dev.sandbox import SandboxState
from app.dev.sandbox.callbacks import _ticket
from tests.support.sandbox import Wx

CREATE = "/cgi-bin/qrcode/create"


def temporary(scene: str = "meeting:12", **extra: Any) -> dict[str, Any]:
    """A QR_STR_SCENE request body."""
    body: dict[str, Any] = {
        "action_name": "QR_STR_SCENE",
        "action_info": {"scene": {"scene_str": scene}},
    }
    return body | extra


async def test_a_temporary_string_code(wx: Wx, state: SandboxState) -> None:
    created = await wx.post(CREATE, temporary(expire_seconds=3600))
    assert created["expire_seconds"] == 3600
    assert created["url"].startswith("http://weixin.qq.com/q/")
    # The ticket a scan of this scene carries in its event, so the two can be matched.
    assert created["ticket"] == _ticket("meeting:12")
    assert "errcode" not in created
    assert state.call_count(CREATE, 0) == 1
    other = await wx.post(CREATE, temporary("meeting:13", expire_seconds=3600))
    assert other["ticket"] != created["ticket"] and other["url"] != created["url"]


async def test_expire_seconds_is_clamped_and_defaults(wx: Wx) -> None:
    assert (await wx.post(CREATE, temporary(expire_seconds=99_999_999)))["expire_seconds"] == (
        2_592_000
    )
    assert (await wx.post(CREATE, temporary()))["expire_seconds"] == 60
    assert (await wx.post(CREATE, temporary(expire_seconds="600")))["expire_seconds"] == 600
    assert (await wx.post(CREATE, temporary(expire_seconds=[1])))["errcode"] == 47001


async def test_permanent_and_integer_codes(wx: Wx) -> None:
    limit = await wx.post(
        CREATE, {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "a"}}}
    )
    assert limit["ticket"] and "expire_seconds" not in limit
    by_id_body = {"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 7}}}
    by_id = await wx.post(CREATE, by_id_body | {"expire_seconds": 30})
    assert by_id["ticket"] == _ticket("7") and by_id["expire_seconds"] == 30
    too_big = {"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_001}}}
    assert (await wx.post(CREATE, too_big))["errcode"] == 40053


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (temporary(action_name="QR_FOREVER"), 40052),
        ({"action_info": {"scene": {"scene_str": "x"}}}, 40052),
        ({"action_name": "QR_STR_SCENE"}, 40053),
        ({"action_name": "QR_STR_SCENE", "action_info": {"scene": {}}}, 40053),
        (temporary(""), 40053),
        (temporary("x" * 65), 40053),
        ({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 0}}}, 40053),
        ({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_str": "x"}}}, 40053),
    ],
)
async def test_bad_requests_get_wechats_codes(wx: Wx, body: dict[str, Any], errcode: int) -> None:
    answer = await wx.post(CREATE, body)
    assert answer["errcode"] == errcode and "rid:" in answer["errmsg"]


async def test_a_64_character_scene_is_allowed(wx: Wx) -> None:
    assert "ticket" in await wx.post(CREATE, temporary("x" * 64, expire_seconds=60))


async def test_the_token_is_checked(client: httpx.AsyncClient, wx: Wx) -> None:
    bad = await client.post(CREATE, params={"access_token": "forged"}, json=temporary())
    assert bad.json()["errcode"] == 40001
    missing = await client.post(CREATE, json=temporary())
    assert missing.json()["errcode"] == 41001
    token = await wx.token()
    wrong_method = await client.get(CREATE, params={"access_token": token})
    assert wrong_method.json()["errcode"] == 43002
    empty = await client.post(CREATE, params={"access_token": token}, content=b"")
    assert empty.json()["errcode"] == 44002
