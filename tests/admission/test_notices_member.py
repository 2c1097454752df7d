"""The 公示 page anyone following may open: the text, the period, and objections during it."""

from __future__ import annotations

from datetime import date

import httpx
from sqlmodel import select

from app.models import AuditLog
from tests.admission.notices_helpers import objections_of, stored_candidate, stored_notice
from tests.support.app import AppClient
from tests.support.chat import add_party_members, china, oauth_open
from tests.support.console import csrf_of
from tests.support.plugin import Clock


async def _notice(client: AppClient, clock: Clock) -> int:
    clock.set(china(2026, 9, 29, 9))
    file_id = await stored_candidate(client)
    return await stored_notice(client, file_id, date(2026, 9, 30), date(2026, 9, 29))


async def _send(client: AppClient, notice_id: int, **fields: str) -> httpx.Response:
    page = await client.get(f"/m/admission/notices/{notice_id}")
    data = {"csrf_token": csrf_of(page.text), "content": "该同志曾多次迟到早退。", "named": "0"}
    return await client.post(f"/m/admission/notices/{notice_id}", data=data | fields)


async def test_the_page_shows_the_notice_and_takes_an_anonymous_objection(
    client: AppClient, clock: Clock
) -> None:
    notice_id = await _notice(client, clock)
    clock.set(china(2026, 10, 9, 20))

    page = await client.get(f"/m/admission/notices/{notice_id}")

    assert page.status_code == 200
    assert "关于张三同志拟发展为中共预备党员的公示" in page.text
    assert "公示期：2026年9月30日至2026年10月12日（5 个工作日）" in page.text
    assert "2025年3月15日被确定为发展对象" in page.text
    assert 'name="named" value="0" checked' in page.text
    assert "匿名反映不记录您是谁" in page.text

    sent = await _send(client, notice_id, name="赵六", contact="13800000000")
    assert sent.status_code == 303
    thanks = await client.get(sent.headers["location"])
    assert "意见已收到" in thanks.text
    [row] = await objections_of(client, notice_id)
    assert (row.named, row.objector_name, row.objector_contact) == (False, None, None)
    assert row.received_on == date(2026, 10, 9) and "迟到早退" in row.content


async def test_a_reader_wechat_knows_is_prefilled_but_anonymous_stays_anonymous(
    client: AppClient, clock: Clock
) -> None:
    notice_id = await _notice(client, clock)
    clock.set(china(2026, 10, 9, 20))
    [member] = await add_party_members(client, 1)
    await oauth_open(client, member.openid, "/m/me")  # WeChat has named the reader

    page = await client.get(f"/m/admission/notices/{notice_id}")
    assert f'name="name" type="text" maxlength="50" value="{member.name}"' in page.text

    assert (await _send(client, notice_id, name=member.name)).status_code == 303
    named = await _send(client, notice_id, named="1", name=member.name, contact="分机 8001")
    assert named.status_code == 303
    anonymous, signed = await objections_of(client, notice_id)
    assert (anonymous.named, anonymous.objector_name) == (False, None)
    assert (signed.named, signed.objector_name, signed.objector_contact) == (
        True,
        member.name,
        "分机 8001",
    )
    async with client.sessions() as session:
        entries = (await session.exec(select(AuditLog))).all()
    logged = " ".join(str(value) for entry in entries for value in entry.model_dump().values())
    assert member.openid not in logged and "迟到早退" not in logged


async def test_refusals_are_shown_with_the_reason(client: AppClient, clock: Clock) -> None:
    notice_id = await _notice(client, clock)

    pending = await client.get(f"/m/admission/notices/{notice_id}")
    assert "公示尚未开始" in pending.text and 'data-testid="objection-form"' not in pending.text

    clock.set(china(2026, 10, 12, 20))
    unnamed = await _send(client, notice_id, named="1", name=" ")
    assert unnamed.status_code == 422 and "实名反映请填写您的姓名" in unnamed.text
    empty = await _send(client, notice_id, content="   ")
    assert empty.status_code == 422 and "请填写您要反映的情况" in empty.text
    forged = await client.post(
        f"/m/admission/notices/{notice_id}", data={"content": "意见", "named": "0"}
    )
    assert forged.status_code == 403

    page = await client.get(f"/m/admission/notices/{notice_id}")
    clock.set(china(2026, 10, 13, 9))
    late = await client.post(
        f"/m/admission/notices/{notice_id}",
        data={"csrf_token": csrf_of(page.text), "content": "迟到的意见", "named": "0"},
    )
    assert late.status_code == 409 and "公示期已结束，不再受理意见" in late.text
    ended = await client.get(f"/m/admission/notices/{notice_id}")
    assert "公示已结束" in ended.text and 'data-testid="objection-form"' not in ended.text
    assert await objections_of(client, notice_id) == []


async def test_a_notice_that_does_not_exist_is_404(client: AppClient) -> None:
    for path in ("/m/admission/notices/999999", "/m/admission/notices/999999/thanks"):
        response = await client.get(path)
        assert response.status_code == 404 and "公示不存在" in response.text
