"""Mass sends: clientmsgid de-duplication, the daily and monthly quotas, rate and targeting."""

from __future__ import annotations

from typing import Any

import pytest

from app.dev.sandbox import SandboxState, create_sandbox_app
from tests.support.sandbox import FakeClock, Wx, client_for, make_config

SENDALL = "/cgi-bin/message/mass/sendall"
SEND = "/cgi-bin/message/mass/send"
PREVIEW = "/cgi-bin/message/mass/preview"


def to_all(content: str = "今晚七点学习日", **extra: Any) -> dict[str, Any]:
    return {"filter": {"is_to_all": True}, "msgtype": "text", "text": {"content": content}, **extra}


@pytest.fixture
def members(state: SandboxState) -> list[str]:
    return [state.add_follower(nickname=f"党员{i}").openid for i in range(3)]


async def test_sendall_delivers_to_every_follower(
    wx: Wx, members: list[str], state: SandboxState
) -> None:
    state.add_follower(nickname="已离开", subscribed=False)
    body = await wx.post(SENDALL, to_all(clientmsgid="b1"))
    assert body["errcode"] == 0 and body["errmsg"] == "send job submission success"
    assert "msg_data_id" not in body  # only article (mpnews) sends carry one
    assert sorted(d.openid for d in state.deliveries) == sorted(members)
    assert {d.msgid for d in state.deliveries} == {body["msg_id"]}
    job = state.mass_jobs[body["msg_id"]]
    assert (job.total, job.filter_count, job.sent, job.error) == (3, 3, 3, 0)


async def test_mpnews_needs_an_existing_draft(
    wx: Wx, members: list[str], state: SandboxState
) -> None:
    bad = {"filter": {"is_to_all": True}, "msgtype": "mpnews", "mpnews": {"media_id": "nope"}}
    assert (await wx.post(SENDALL, bad))["errcode"] == 40007
    media_id = await wx.draft()
    body = await wx.post(SENDALL, {**bad, "mpnews": {"media_id": media_id}})
    assert body["errcode"] == 0 and isinstance(body["msg_data_id"], int)
    payload = state.deliveries[-1].payload
    assert payload["articles"][0]["title"] == "《神特组宣》第7期"
    assert payload["articles"][0]["picurl"].startswith("https://mmbiz.qpic.cn/")


async def test_clientmsgid_reuse_within_24_hours(
    wx: Wx, members: list[str], clock: FakeClock
) -> None:
    assert (await wx.post(SENDALL, to_all(clientmsgid="issue-7")))["errcode"] == 0
    again = await wx.post(SENDALL, to_all(clientmsgid="issue-7"))
    assert again["errcode"] == 45065
    assert again["errmsg"].startswith("clientmsgid exist")
    clock.advance(24 * 3600)
    assert (await wx.post(SENDALL, to_all(clientmsgid="issue-7")))["errcode"] == 0


async def test_subscription_account_gets_one_mass_send_per_day(clock: FakeClock) -> None:
    app = create_sandbox_app(make_config(clock, account_type="subscription"))
    app.state.sandbox.add_follower()
    async with client_for(app) as client:
        wx = Wx(client)
        assert (await wx.post(SENDALL, to_all()))["errcode"] == 0
        second = await wx.post(SENDALL, to_all("再发一次"))
        assert second["errcode"] == 45028
        assert second["errmsg"].startswith("has no masssend quota")
        clock.advance(14 * 3600)  # past midnight, China time
        assert (await wx.post(SENDALL, to_all("第二天")))["errcode"] == 0
        assert (await wx.post(SEND, {"touser": ["a", "b"], **to_all()}))["errcode"] == 48001


async def test_service_follower_receives_at_most_four_a_month(
    wx: Wx, members: list[str], state: SandboxState, clock: FakeClock
) -> None:
    # The first member already got four this month through an openid-list send.
    for i in range(4):
        body = await wx.post(SEND, {"touser": members[:2], **to_all(f"第{i}条")})
        assert body["errcode"] == 0
    fifth = await wx.post(SENDALL, to_all("第五条"))
    job = state.mass_jobs[fifth["msg_id"]]
    assert (job.total, job.filter_count, job.sent, job.error) == (3, 1, 1, 0)
    assert [d.openid for d in state.deliveries if d.msgid == fifth["msg_id"]] == [members[2]]
    clock.advance(15 * 24 * 3600)  # into July
    july = await wx.post(SENDALL, to_all("七月"))
    assert state.mass_jobs[july["msg_id"]].sent == 3


async def test_openid_list_send_skips_unknown_and_gone_members(
    wx: Wx, members: list[str], state: SandboxState
) -> None:
    state.unsubscribe(members[1])
    body = await wx.post(SEND, {"touser": [*members, "o_nobody"], **to_all()})
    job = state.mass_jobs[body["msg_id"]]
    assert (job.total, job.sent) == (4, 2)
    assert (await wx.post(SEND, {"touser": members[:1], **to_all()}))["errcode"] == 40130


async def test_sendall_by_tag(wx: Wx, members: list[str], state: SandboxState) -> None:
    tag = await wx.post("/cgi-bin/tags/create", {"tag": {"name": "正式党员"}})
    tag_id = tag["tag"]["id"]
    tagging = {"openid_list": members[:2], "tagid": tag_id}
    await wx.post("/cgi-bin/tags/members/batchtagging", tagging)
    body = await wx.post(SENDALL, {**to_all(), "filter": {"is_to_all": False, "tag_id": tag_id}})
    assert sorted(d.openid for d in state.deliveries) == sorted(members[:2])
    assert state.mass_jobs[body["msg_id"]].total == 2
    unknown = {**to_all(), "filter": {"is_to_all": False, "tag_id": 999}}
    assert (await wx.post(SENDALL, unknown))["errcode"] == 45159


async def test_more_than_sixty_mass_requests_a_minute(
    wx: Wx, members: list[str], clock: FakeClock
) -> None:
    for _ in range(60):
        assert (await wx.post(SEND, {"touser": members, **to_all()}))["errcode"] == 0
    assert (await wx.post(SEND, {"touser": members, **to_all()}))["errcode"] == 45009
    clock.advance(60)
    assert (await wx.post(SEND, {"touser": members, **to_all()}))["errcode"] == 0


async def test_preview_reaches_one_member_without_quota(
    wx: Wx, members: list[str], state: SandboxState
) -> None:
    for _ in range(5):
        body = await wx.post(PREVIEW, {"touser": members[0], **to_all()})
        assert body["errcode"] == 0 and body["errmsg"] == "preview success"
    assert {d.channel for d in state.deliveries} == {"preview"}
    assert state.followers[members[0]].mass_by_month == {}
    assert (await wx.post(PREVIEW, {"touser": "o_nobody", **to_all()}))["errcode"] == 40003


async def test_mass_content_validation(wx: Wx, members: list[str]) -> None:
    assert (await wx.post(SENDALL, to_all("")))["errcode"] == 44004
    assert (await wx.post(SENDALL, {**to_all(), "msgtype": "fax"}))["errcode"] == 40008
