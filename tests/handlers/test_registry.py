"""The handler registry picks the most specific handler and refuses ambiguity."""

from __future__ import annotations

import pytest
from wechatpy import parse_message

from app.handlers import build_router
from app.handlers.registry import MessageRouter


def _text(content: str):
    return parse_message(
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        f"<MsgType>text</MsgType><Content><![CDATA[{content}]]></Content><MsgId>1</MsgId></xml>"
    )


def _event(event: str, key: str = ""):
    return parse_message(
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        f"<MsgType>event</MsgType><Event>{event}</Event><EventKey>{key}</EventKey></xml>"
    )


async def _noop(ctx):
    return None


def _router() -> MessageRouter:
    router = MessageRouter()
    router.click("SIGN_IN")(_named(_noop, "sign_in"))
    router.event("click")(_named(_noop, "any_click"))
    router.text("绑定", help="绑定身份")(_named(_noop, "bind"))
    router.text(pattern=r"\d{6}")(_named(_noop, "six_digits"))
    router.register(msg_type="text")(_named(_noop, "any_text"))
    router.register(msg_type="image")(_named(_noop, "image"))
    router.fallback()(_named(_noop, "fallback"))
    return router


def _named(fn, name):
    async def handler(ctx):
        return await fn(ctx)

    handler.__name__ = name
    return handler


@pytest.mark.parametrize(
    ("message", "expected", "args"),
    [
        (_event("CLICK", "SIGN_IN"), "sign_in", ""),
        (_event("CLICK", "OTHER"), "any_click", ""),
        (_text("绑定 123456"), "bind", "123456"),
        (_text("绑定\u3000AB12"), "bind", "AB12"),
        (_text("123456"), "six_digits", ""),
        (_text("随便说说"), "any_text", ""),
        (_event("VIEW", "http://x"), "fallback", ""),
    ],
)
def test_most_specific_rule_wins(message, expected, args):
    match = _router().resolve(message)
    assert match is not None and match.rule.name.endswith(expected)
    assert match.keyword_args == args


def test_two_handlers_for_one_keyword_fail_at_start_up():
    router = MessageRouter()
    router.text("帮助")(_noop)
    with pytest.raises(ValueError, match="both handle"):
        router.text("帮助")(_noop)


def test_help_lists_registered_keywords():
    keywords = dict(build_router().keywords())
    assert "帮助" in keywords


def test_unknown_message_types_fall_back():
    unknown = parse_message(
        "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>hologram</MsgType></xml>"
    )
    match = build_router().resolve(unknown)
    assert match is not None and match.rule.name == "common.on_anything_else"
