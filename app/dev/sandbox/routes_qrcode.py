"""Parametric QR codes: qrcode/create, temporary and permanent, integer and string scenes."""

from __future__ import annotations

from typing import Any, Final

from app.dev.sandbox import rules, wire
from app.dev.sandbox.callbacks import _ticket
from app.dev.sandbox.pipeline import Json, WxCall, WxError, WxRouter, get_dict, get_str

router = WxRouter()

# Codes from WeChat's answers to qrcode/create (not in rules.py's shared table).
INVALID_ACTION_NAME: Final = 40052
INVALID_ACTION_INFO: Final = 40053
ERRMSG: Final = {
    INVALID_ACTION_NAME: "invalid action name",
    INVALID_ACTION_INFO: "invalid action info, please check document",
}

TEMPORARY: Final = frozenset({"QR_SCENE", "QR_STR_SCENE"})
STRING_SCENE: Final = frozenset({"QR_STR_SCENE", "QR_LIMIT_STR_SCENE"})
ACTION_NAMES: Final = frozenset(
    {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}
)
EXPIRE_MAX_SECONDS: Final = 2_592_000  # 30 days; WeChat cuts a longer request down to this
EXPIRE_DEFAULT_SECONDS: Final = 60  # a temporary code asked for without expire_seconds
SCENE_STR_MAX: Final = 64
SCENE_ID_MAX: Final = 2**32 - 1  # temporary: a non-zero 32-bit integer
LIMIT_SCENE_ID_MAX: Final = 100_000  # permanent: 1–100000


def _error(code: int) -> WxError:
    return WxError(code, ERRMSG[code])


def qr_url(scene: str) -> str:
    """Return the weixin.qq.com/q/ address a code for this scene encodes (what phones scan)."""
    return "http://weixin.qq.com/q/" + wire.signature("sandbox-qr-url", scene)[:22]


def _scene(action_name: str, info: Json) -> str:
    """The scene a request names, as the scan's EventKey will carry it; else 40053."""
    scene = get_dict(info, "scene")
    if action_name in STRING_SCENE:
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 1 <= len(value) <= SCENE_STR_MAX:
            raise _error(INVALID_ACTION_INFO)
        return value
    number = scene.get("scene_id")
    ceiling = SCENE_ID_MAX if action_name in TEMPORARY else LIMIT_SCENE_ID_MAX
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= ceiling:
        raise _error(INVALID_ACTION_INFO)
    return str(number)


def _expire_seconds(raw: Any) -> int:
    """A temporary code's lifetime: 60 s when not given, cut down to 30 days when longer."""
    if raw is None:
        return EXPIRE_DEFAULT_SECONDS
    if isinstance(raw, str) and raw.strip().isdecimal():
        raw = int(raw)  # WeChat tolerates numbers sent as strings
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise WxError(rules.DATA_FORMAT_ERROR, "data format error hint: [expire_seconds]")
    seconds = int(raw)
    if seconds <= 0:
        return EXPIRE_DEFAULT_SECONDS
    return min(seconds, EXPIRE_MAX_SECONDS)


@router.post("/cgi-bin/qrcode/create")
async def qrcode_create(call: WxCall) -> Json:
    """Create a QR code ticket; temporary codes answer their (clamped) expire_seconds too."""
    data = call.data
    action_name = get_str(data, "action_name")
    if action_name not in ACTION_NAMES:
        raise _error(INVALID_ACTION_NAME)
    scene = _scene(action_name, get_dict(data, "action_info"))
    # The same ticket a scan of this scene carries (callbacks.scan), so tests can match them.
    result: Json = {"ticket": _ticket(scene)}
    if action_name in TEMPORARY:
        result["expire_seconds"] = _expire_seconds(data.get("expire_seconds"))
    result["url"] = qr_url(scene)
    return result
