"""提建议 in the chat: button (or typed) → text → numbered; 「建议 …」 at once; refusals keep the
question open; a voice note is told what is wanted; an unbound follower is told how to bind."""

from __future__ import annotations

import time

from app.models import SuggestionStatus
from tests.suggestions.support import NOW, suggestions
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.plugin import Clock


async def _voice(chat: Chat, openid: str) -> str:
    """The member sends a voice message; the reply's text."""
    chat.clock.advance(2)
    chat.sandbox.clock_offset = chat.clock().timestamp() - time.time()
    fields = {"MsgType": "voice", "MediaId": "voice-1", "Format": "amr", "MsgId": 77001}
    result = await chat.callbacks.push(openid, fields)
    assert result.status == 200, result.error
    return str((result.reply or {}).get("content", ""))


async def test_button_then_text_gives_a_number(client: AppClient, clock: Clock, chat: Chat) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    asked = await chat.click(member.openid, "SUGGESTION_SUBMIT")
    assert "请直接回复您的合理化建议" in asked and "2000 字以内" in asked
    assert "/m/suggestions/new" in asked

    # A voice note while the question waits: told what is expected, the question kept.
    assert await _voice(chat, member.openid) == "请回复文字。"
    # Empty after stripping, then too long: refused with the limit, the question still open.
    too_long = await chat.say(member.openid, "节" * 2001)
    assert "不能超过 2000 字" in too_long and "2001 字" in too_long
    assert await suggestions(client) == []

    done = await chat.say(member.openid, "熔炼炉余热回收用于车间冬季供暖。")
    [stored] = await suggestions(client)
    assert stored.number == f"2026-{stored.id:04d}"
    assert f"已收到您的合理化建议，编号 {stored.number}" in done
    assert "/m/suggestions/new?t=" in done and "/m/suggestions/mine?t=" in done
    assert stored.status == SuggestionStatus.RECEIVED.value and stored.via == "chat"
    assert stored.person_id == member.person_id and stored.content.startswith("熔炼炉")
    # The question is answered: the next text is not another suggestion.
    await chat.say(member.openid, "谢谢")
    assert len(await suggestions(client)) == 1

    # Typing the button's name works like tapping it.
    assert "请直接回复您的合理化建议" in await chat.say(member.openid, "提建议")
    assert "编号" in await chat.say(member.openid, "砂处理线改用变频电机。")
    assert len(await suggestions(client)) == 2
    # 我的记录 counts them.
    assert "今年提出合理化建议 2 条，采纳 0 条" in await chat.click(member.openid, "MY_RECORD")


async def test_keyword_in_one_message_and_its_refusals(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    [stranger] = await add_party_members(client, 1, prefix="u", bound=False)
    chat.sandbox.add_follower(stranger.openid)  # follows the account, never bound
    done = await chat.say(member.openid, "建议 食堂增设夜班热饭窗口")
    assert "已收到您的合理化建议，编号" in done

    empty = await chat.say(member.openid, "建议")  # alone: asked for it
    assert "请直接回复您的合理化建议" in empty
    assert "不能为空" in await chat.say(member.openid, "　")  # a full-width space only
    assert "编号" in await chat.say(member.openid, "车间照明改为 LED。")

    unbound = await chat.say(stranger.openid, "建议 厂区增设充电棚")
    assert "您还没有绑定身份，绑定后才能提合理化建议" in unbound and "绑定码" in unbound
    assert "绑定后才能提合理化建议" in await chat.click(stranger.openid, "SUGGESTION_SUBMIT")
    assert [s.content for s in await suggestions(client)] == [
        "食堂增设夜班热饭窗口",
        "车间照明改为 LED。",
    ]
