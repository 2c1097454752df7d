"""Signing the 廉洁承诺书 in the chat: the 廉洁承诺 button shows the text, 我承诺 signs it."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from app.models import Follower, Person, PoliticalStage
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china
from tests.support.pledges import PLEDGE_TEXT, edit_text, make_campaign, send, signatures
from tests.support.plugin import Clock

DEADLINE = china(2026, 12, 31, 18)


async def test_the_prompt_then_i_pledge_signs_the_text_received(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member, other] = await add_party_members(client, 2)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)

    reply = await chat.say(member.openid, "我承诺")

    assert "签署成功" in reply and "2026年度廉洁承诺书" in reply and "第 1 版" in reply
    [signature] = await signatures(client, campaign_id)
    assert signature.person_id == member.person_id
    assert signature.channel == "chat" and signature.version_number == 1
    assert signature.text_sha256 == hashlib.sha256(PLEDGE_TEXT.encode()).hexdigest()
    assert signature.text_sha256[:12] in reply
    # Typing it again changes nothing.
    again = await chat.say(member.openid, "我承诺！")
    assert "无需重复签署" in again
    assert len(await signatures(client, campaign_id)) == 1
    assert other.person_id not in {s.person_id for s in await signatures(client, campaign_id)}


async def test_the_button_shows_the_full_text_and_how_to_sign(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)  # the prompt is not sent yet

    shown = await chat.click(member.openid, "PLEDGE_SIGN")

    assert "《2026年度廉洁承诺书》" in shown and "不以权谋私" in shown
    assert "请回复「我承诺」" in shown and "12月31日 18:00" in shown
    assert len(shown.encode()) <= 2048
    assert "签署成功" in await chat.say(member.openid, "我承诺")
    assert "您已于" in await chat.click(member.openid, "PLEDGE_SIGN")
    assert len(await signatures(client, campaign_id)) == 1


async def test_i_pledge_before_the_text_arrived_shows_it_and_records_nothing(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)  # prompt still unsent

    reply = await chat.say(member.openid, "我承诺")

    assert "请先阅读承诺书全文" in reply and "不以权谋私" in reply
    assert await signatures(client, campaign_id) == []
    assert "签署成功" in await chat.say(member.openid, "我承诺")


async def test_an_old_version_is_not_signed_the_new_one_is_shown(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await chat.click(member.openid, "PLEDGE_SIGN")  # read version 1
    await edit_text(client, campaign_id, PLEDGE_TEXT + "\n四、严格执行中央八项规定精神。")

    reply = await chat.say(member.openid, "我承诺")

    assert "已更新为第 2 版" in reply and "中央八项规定" in reply
    assert await signatures(client, campaign_id) == []
    signed = await chat.say(member.openid, "我承诺")
    assert "第 2 版" in signed
    [signature] = await signatures(client, campaign_id)
    assert signature.version_number == 2


async def test_an_unbound_follower_signs_nothing(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    stranger = "o-stranger".ljust(28, "x")
    client.sandbox.add_follower(stranger)

    reply = await chat.say(stranger, "我承诺")

    assert "还没有绑定身份" in reply
    assert await signatures(client, campaign_id) == []


async def test_someone_the_campaign_does_not_ask_has_nothing_to_sign(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [masses] = await add_party_members(client, 1, prefix="q", stage=PoliticalStage.MASSES)
    campaign_id = await make_campaign(client, deadline=DEADLINE)

    assert "没有需要您签署" in await chat.click(masses.openid, "PLEDGE_SIGN")
    assert "没有需要您签署" in await chat.say(masses.openid, "我承诺")
    assert await signatures(client, campaign_id) == []


async def test_a_manager_who_is_not_a_member_is_asked(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [manager] = await add_party_members(client, 1, prefix="g", stage=PoliticalStage.MASSES)
    async with client.sessions() as session:
        person = await session.get(Person, manager.person_id)
        assert person is not None
        person.is_manager = True
        session.add(person)
        await session.commit()
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await chat.click(manager.openid, "PLEDGE_SIGN")
    assert "签署成功" in await chat.say(manager.openid, "我承诺")
    assert len(await signatures(client, campaign_id)) == 1


async def test_after_the_deadline_nothing_is_signed(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    clock.set(china(2026, 12, 31, 18, 1))

    reply = await chat.say(member.openid, "我承诺")

    assert "已于 12月31日 18:00 截止签署" in reply
    assert await signatures(client, campaign_id) == []


async def test_a_long_text_is_linked_not_sent(client: AppClient, clock: Clock, chat: Chat) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    long_text = "\n".join(f"{i}、严守纪律，廉洁自律，自觉接受监督。" * 3 for i in range(1, 30))
    await make_campaign(client, deadline=DEADLINE, text=long_text)

    reply = await chat.click(member.openid, "PLEDGE_SIGN")

    assert "全文较长" in reply and "/m/pledges/" in reply and "?t=" in reply
    assert len(reply.encode()) <= 2048


async def test_a_follower_whose_binding_was_removed_cannot_sign(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    async with client.sessions() as session:
        found = await session.exec(select(Follower).where(Follower.openid == member.openid))
        follower = found.one()
        follower.person_id = None
        session.add(follower)
        await session.commit()

    assert "还没有绑定身份" in await chat.say(member.openid, "我承诺")
    assert await signatures(client, campaign_id) == []


async def test_my_record_lists_the_pledge_to_sign_until_it_is_signed(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    await make_campaign(client, deadline=DEADLINE)

    before = await chat.say(member.openid, "我的")
    assert "待办：" in before and "签署《2026年度廉洁承诺书》（12月31日 18:00 截止）" in before
    await chat.click(member.openid, "PLEDGE_SIGN")
    await chat.say(member.openid, "我承诺")
    assert "待办：" not in await chat.say(member.openid, "我的")
