"""写感悟 from WeChat: text, photos then 「完成」, the keyword, and every refusal."""

from __future__ import annotations

from datetime import timedelta

from app.models import Attachment
from tests.reflections.support import (
    NOW,
    TEXT,
    TITLE,
    make_topic,
    reflections_of,
    send_photo,
    send_voice,
)
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.plugin import Clock, count_rows


async def test_the_button_names_the_topic_and_the_next_text_is_the_reflection(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    await make_topic(client)
    [member] = await add_party_members(client, 1)

    asked = await chat.click(member.openid, "REFLECTION_WRITE")
    assert f"本期微感悟主题：「{TITLE}」" in asked and "不超过 1000 字" in asked
    done = await chat.say(member.openid, TEXT)

    assert f"已收到您的微感悟（主题「{TITLE}」）" in done and "同一主题可以再写一篇" in done
    [reflection] = await reflections_of(client, member.person_id)
    assert (reflection.text, reflection.status, reflection.via) == (TEXT, "submitted", "chat")
    # A second one on the same topic is its own reflection; the keyword stores it at once.
    assert "已收到您的微感悟" in await chat.say(member.openid, "感悟 第二篇：抓好安全生产。")
    assert [r.text for r in await reflections_of(client, member.person_id)] == [
        TEXT, "第二篇：抓好安全生产。"
    ]  # fmt: skip


async def test_photos_then_done_and_words_after_the_photos_join(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    await make_topic(client)
    [member, other] = await add_party_members(client, 2)

    await chat.say(member.openid, "写感悟")  # the button's name typed
    assert "已收到第 1 张照片" in await send_photo(chat, member.openid, 1)
    assert "已收到第 2 张照片" in await send_photo(chat, member.openid, 2)
    done = await chat.say(member.openid, "完成")
    assert "照片 2 张" in done and TITLE in done
    [reflection] = await reflections_of(client, member.person_id)
    assert reflection.text == ""
    assert await count_rows(client, Attachment, Attachment.owner_kind == "reflection") == 2
    assert await send_photo(chat, member.openid, 3) == ""  # the question is closed

    # Nine photos, a tenth refused, then words: they are the text and hand it in.
    await chat.click(other.openid, "REFLECTION_WRITE")
    for number in range(1, 10):
        assert f"已收到第 {number} 张照片" in await send_photo(chat, other.openid, 10 + number)
    refused = await send_photo(chat, other.openid, 20)
    assert "最多 9 张照片" in refused and "本张没有收录" in refused
    done = await chat.say(other.openid, TEXT)
    assert "照片 9 张" in done
    [theirs] = await reflections_of(client, other.person_id)
    assert theirs.text == TEXT
    assert await count_rows(client, Attachment, Attachment.owner_id == theirs.id) == 9


async def test_empty_too_long_and_voice_are_refused_and_the_question_kept(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    await make_topic(client)
    [member] = await add_party_members(client, 1)
    openid = member.openid

    await chat.click(openid, "REFLECTION_WRITE")
    too_long = await chat.say(openid, "学" * 1001)
    assert "不能超过 1000 字" in too_long and "1001 字" in too_long
    assert await send_voice(chat, openid) == "请回复文字或发送照片。"
    assert "还没有收到您的感悟" in await chat.say(openid, "完成")
    # Still asked: the next text is the reflection.
    assert "已收到您的微感悟" in await chat.say(openid, TEXT)
    assert TITLE in await chat.say(openid, "感悟")  # the keyword alone asks too
    assert "感悟内容不能为空" in await chat.say(openid, "　")  # a full-width space only
    assert len(await reflections_of(client, member.person_id)) == 1


async def test_no_open_topic_says_when_the_next_opens_and_unbound_is_told_to_bind(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    [stranger] = await add_party_members(client, 1, prefix="u", bound=False)

    assert "目前没有正在征集的微感悟主题" in await chat.click(member.openid, "REFLECTION_WRITE")
    await make_topic(client, opens_at=NOW + timedelta(days=3), title="清风伴我行")
    later = await chat.say(member.openid, f"感悟 {TEXT}")
    assert "下一期主题「清风伴我行」将于 12月10日 10:00 开始征集" in later
    assert await reflections_of(client, member.person_id) == []

    chat.sandbox.add_follower(stranger.openid)  # follows the account, never bound
    unbound = await chat.say(stranger.openid, f"感悟 {TEXT}")
    assert "您还没有绑定身份，绑定后才能写感悟" in unbound
    assert await reflections_of(client, stranger.person_id) == []
