"""The shipped handlers, through the callback: welcome, farewell, help, and the unknown."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.handlers.common import TEXT_PLEASE, UNKNOWN_TEXT, WELCOME
from app.models import Follower, InboundMessage
from tests.quizzes.test_quiz_chat import a_test
from tests.support.chat import add_party_members
from tests.support.plugin import count_rows, post
from tests.support.wechat_peer import random_openid


async def _follower(client, openid):
    async with client.sessions() as session:
        return (await session.exec(select(Follower).where(Follower.openid == openid))).one()


async def test_subscribe_welcomes_and_explains_binding(client, peer):
    openid = random_openid()
    reply = peer.open_reply((await post(client, peer, peer.event(openid, "subscribe"))).text)
    assert reply["Content"] == WELCOME and "绑定" in reply["Content"]
    assert (await _follower(client, openid)).subscribed is True


async def test_subscribe_through_a_qr_code_keeps_the_scene(client, peer):
    openid = random_openid()
    await post(
        client,
        peer,
        peer.event(openid, "subscribe", "qrscene_meeting-42", extra="<Ticket>TICKET</Ticket>"),
    )
    assert (await _follower(client, openid)).subscribe_scene == "meeting-42"


async def test_unsubscribe_is_recorded_and_answered_with_success(client, peer):
    openid = random_openid()
    await post(client, peer, peer.event(openid, "subscribe"))
    response = await post(client, peer, peer.event(openid, "unsubscribe"))
    assert response.text == "success"
    follower = await _follower(client, openid)
    assert follower.subscribed is False and follower.unsubscribed_at is not None
    async with client.sessions() as session:
        events = (await session.exec(select(InboundMessage.event))).all()
    assert sorted(events) == ["subscribe", "unsubscribe"]


async def test_help_lists_keywords(client, peer):
    reply = peer.open_reply((await post(client, peer, peer.text(random_openid(), "帮助"))).text)
    assert "「帮助」" in reply["Content"] and "菜单" in reply["Content"]


async def test_unmatched_text_gets_guidance(client, peer):
    reply = peer.open_reply((await post(client, peer, peer.text(random_openid(), "你好"))).text)
    assert reply["Content"] == UNKNOWN_TEXT


@pytest.mark.both_databases
async def test_a_question_open_or_not_gets_the_same_answers_on_either_path(client, clock, chat):
    """PostgreSQL stores a text's, a photo's or a voice's fixed answer in one statement while no
    question is open, and runs the handler when one is; SQLite always runs the handler."""
    [member] = await add_party_members(client, 1)
    await a_test(client, clock)

    openid = member.openid
    photo = {"MsgType": "image", "PicUrl": "http://mmbiz.test/1.jpg", "MediaId": "m1"}
    voice = {"MsgType": "voice", "MediaId": "v1", "Format": "amr"}
    # "" is no answer: WeChat got "success".
    assert await chat.say(openid, "A") == UNKNOWN_TEXT
    assert await chat.send(openid, photo) == ""
    assert await chat.send(openid, voice) == ""
    await chat.say(openid, "答题")  # a question is open now: the handlers decide
    assert await chat.send(openid, photo) == TEXT_PLEASE
    assert await chat.send(openid, voice) == TEXT_PLEASE
    assert (await chat.say(openid, "A")).startswith("第 2/3 题")
    assert await count_rows(client, InboundMessage) == 7


async def test_unknown_message_type_gets_success_and_is_stored(client, peer):
    openid = random_openid()
    xml = peer.text(openid, "x").replace("[text]", "[hologram]")
    response = await post(client, peer, xml)
    assert response.status_code == 200 and response.text == "success"
    async with client.sessions() as session:
        row = (await session.exec(select(InboundMessage))).one()
    assert row.msg_type == "hologram" and row.reply == "success"


async def test_unhandled_events_are_stored_quietly(client, peer):
    openid = random_openid()
    extra = "<Latitude>34.59</Latitude><Longitude>119.22</Longitude><Precision>20</Precision>"
    response = await post(client, peer, peer.event(openid, "LOCATION", extra=extra))
    assert response.text == "success"
    async with client.sessions() as session:
        row = (await session.exec(select(InboundMessage))).one()
    assert row.event == "location" and row.payload["Latitude"] == "34.59"


async def test_the_welcome_promises_no_feature_whose_button_is_not_open(client, chat):
    from app.services.newsletters import issues as newsletter_service
    from tests.handlers.test_typed_buttons import BUTTONS

    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)  # what the first start does
        await session.commit()
    openid = random_openid()
    welcome = chat._text(await chat.callbacks.subscribe(openid))
    coming: dict[str, str] = {}
    replies = {name: await chat.click(openid, key) for key, name in BUTTONS.items()}
    not_open = [name for name, reply in replies.items() if "即将开放" in reply]
    assert sorted(not_open) == sorted(coming)
    for name in not_open:
        assert coming[name] not in welcome, name
    for promised in ("签到", "请假", "补学", "廉洁承诺", "知识测试", "《神特组宣》", "记录"):
        assert promised in welcome, promised


async def test_help_says_each_keyword_once(client, peer):
    reply = peer.open_reply((await post(client, peer, peer.text(random_openid(), "帮助"))).text)
    for line in reply["Content"].splitlines():
        if line.startswith("「"):
            keyword = line[1 : line.index("」")]
            assert f"{keyword}：" not in line and line != f"「{keyword}」", line
    assert "「我承诺」签署收到的廉洁承诺书" in reply["Content"]
