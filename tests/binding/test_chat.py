"""Binding a follower to a person through the chat, and 我的记录."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.db import unit_of_work
from app.models import Follower, PoliticalStage
from app.models.people import PersonCreate
from app.services import audit
from app.services.binding import codes as bindings
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from tests.support.plugin import post
from tests.support.wechat_peer import random_openid

ADMIN = audit.Actor(id=None, name="test-admin")


async def _person(client, employee_no="S001", name="王建国", stage=PoliticalStage.FULL):
    async with unit_of_work(client.sessions) as session:
        branch = await org_unit_service.ensure_default_tree(session)
        return await people_service.create(
            session,
            data=PersonCreate(
                employee_no=employee_no,
                name=name,
                org_unit_id=branch.id,
                stage=stage,
                stage_since=date(2019, 7, 1),
            ),
            actor=ADMIN,
        )


async def _code(client, person, now):
    async with unit_of_work(client.sessions) as session:
        code, _ = await bindings.issue_code(session, person=person, actor=ADMIN, now=now)
    return code


async def _say(client, peer, openid, text):
    peer.now += 1  # each message its own CreateTime
    response = await post(client, peer, peer.text(openid, text))
    return peer.open_reply(response.text).get("Content", "")


async def _bound_person_id(client, openid):
    async with client.sessions() as session:
        follower = (await session.exec(select(Follower).where(Follower.openid == openid))).first()
        return follower.person_id if follower else None


@pytest.mark.parametrize("spelling", ["绑定 {code}", "绑定{code}", "绑定：{low}", "绑定 {dashed}"])
async def test_a_code_binds_the_follower(client, peer, clock, spelling):
    person = await _person(client)
    code = await _code(client, person, clock())
    openid = random_openid()
    text = spelling.format(code=code, low=code.lower(), dashed=f"{code[:4]}-{code[4:]}")
    assert "绑定成功" in await _say(client, peer, openid, text)
    assert await _bound_person_id(client, openid) == person.id
    # A second try with the same WeChat is recognised, not an error.
    assert "已经绑定为王建国" in await _say(client, peer, openid, f"绑定 {code}")


async def test_a_used_code_does_not_bind_another_wechat(client, peer, clock):
    person = await _person(client)
    code = await _code(client, person, clock())
    await _say(client, peer, random_openid(), f"绑定 {code}")
    other = random_openid()
    assert "已经使用过" in await _say(client, peer, other, f"绑定 {code}")
    assert await _bound_person_id(client, other) is None


async def test_an_expired_code_is_refused(client, peer, clock):
    person = await _person(client)
    code = await _code(client, person, clock() - bindings.CODE_TTL - timedelta(minutes=1))
    openid = random_openid()
    assert "已过期" in await _say(client, peer, openid, f"绑定 {code}")
    assert await _bound_person_id(client, openid) is None


# The attempt counter is an atomic update: each database's own.
@pytest.mark.both_databases
async def test_guesses_are_rate_limited_per_follower(client, peer, clock):
    person = await _person(client)
    code = await _code(client, person, clock())
    openid = random_openid()
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        assert "绑定码不正确" in await _say(client, peer, openid, f"绑定 {guess}")
    assert "尝试次数过多" in await _say(client, peer, openid, f"绑定 {code}")
    assert await _bound_person_id(client, openid) is None
    # Another follower is not affected by these guesses.
    assert "绑定成功" in await _say(client, peer, random_openid(), f"绑定 {code}")


async def test_one_follower_one_person(client, peer, clock):
    first, second = await _person(client), await _person(client, "S002", "李秀英")
    openid = random_openid()
    await _say(client, peer, openid, f"绑定 {await _code(client, first, clock())}")
    reply = await _say(client, peer, openid, f"绑定 {await _code(client, second, clock())}")
    assert "已经绑定了其他人员" in reply
    other_wechat = random_openid()
    reply = await _say(client, peer, other_wechat, f"绑定 {await _code(client, first, clock())}")
    assert "王建国已经绑定了另一个微信" in reply


async def test_rebinding_needs_an_admin_to_unbind_first(client, peer, clock):
    person = await _person(client)
    old, new = random_openid(), random_openid()
    await _say(client, peer, old, f"绑定 {await _code(client, person, clock())}")
    async with unit_of_work(client.sessions) as session:
        assert await bindings.unbind(session, person=person, actor=ADMIN, now=clock())
    code = await _code(client, person, clock())
    assert "绑定成功" in await _say(client, peer, new, f"绑定 {code}")
    assert await _bound_person_id(client, new) == person.id


async def test_keyword_without_code_explains(client, peer):
    assert "领取 8 位绑定码" in await _say(client, peer, random_openid(), "绑定")


async def test_unsubscribe_keeps_the_binding_and_marks_unreachable(client, peer, clock):
    person = await _person(client)
    openid = random_openid()
    await _say(client, peer, openid, f"绑定 {await _code(client, person, clock())}")
    peer.now += 1
    await post(client, peer, peer.event(openid, "unsubscribe"))
    async with client.sessions() as session:
        follower = (await session.exec(select(Follower).where(Follower.openid == openid))).one()
    assert follower.person_id == person.id and follower.subscribed is False


async def test_my_record_for_unbound_and_bound(client, peer, clock):
    openid = random_openid()
    assert "还没有绑定身份" in await _say(client, peer, openid, "我的")
    person = await _person(client, stage=PoliticalStage.PROBATIONARY)
    await _say(client, peer, openid, f"绑定 {await _code(client, person, clock())}")
    peer.now += 1
    response = await post(client, peer, peer.event(openid, "CLICK", "MY_RECORD"))
    text = peer.open_reply(response.text)["Content"]
    assert "王建国 · 工号 S001" in text and "预备党员" in text
    assert "预备期满" in text and "/m/me" in text
