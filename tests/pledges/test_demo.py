"""`shente seed-demo` leaves this year's pledge half signed, one the simulator's member can sign."""

from __future__ import annotations

from sqlmodel import SQLModel, func, select

from app.dev.demo import DEMO_OPENIDS, seed
from app.models import IntegrityTalk, PledgeCampaign, PledgeSignature, Question, Quiz
from tests.support.app import AppClient
from tests.support.chat import Chat
from tests.support.demo import seed_demo
from tests.support.plugin import Clock


async def _count(client: AppClient, model: type[SQLModel]) -> int:
    async with client.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_the_demo_pledge_can_be_signed_in_the_simulator(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    settings = client.settings
    await seed_demo(client)
    await seed(settings)  # idempotent

    assert await _count(client, PledgeCampaign) == 1
    assert await _count(client, PledgeSignature) == 6
    assert await _count(client, IntegrityTalk) == 1
    assert (await _count(client, Quiz), await _count(client, Question)) == (1, 6)
    chat.sandbox.add_follower(DEMO_OPENIDS[0])
    shown = await chat.click(DEMO_OPENIDS[0], "PLEDGE_SIGN")
    assert "廉洁承诺书" in shown and "中央八项规定" in shown
    assert "签署成功" in await chat.say(DEMO_OPENIDS[0], "我承诺")
    assert await _count(client, PledgeSignature) == 7
    first = await chat.say(DEMO_OPENIDS[0], "答题")
    assert "第 1/6 题（单选题）" in first and "监察法" in first


async def test_the_demo_signatures_say_how_an_unbound_member_could_sign(client: AppClient) -> None:
    """WeChat login identifies only bound members: the others signed through their own link."""
    from app.models import Follower, SignatureChannel

    await seed_demo(client)
    async with client.sessions() as session:
        bound = set(
            (await session.exec(select(Follower.person_id).where(Follower.person_id != None))).all()  # noqa: E711
        )
        signatures = (await session.exec(select(PledgeSignature))).all()
    assert signatures
    for signature in signatures:
        if signature.channel == SignatureChannel.PAGE_OAUTH.value:
            assert signature.person_id in bound, signature
    assert any(s.channel == SignatureChannel.PAGE_LINK.value for s in signatures)
