"""Users and tags."""

from __future__ import annotations

import pytest

from app.dev.sandbox import SandboxState
from tests.support.sandbox import Wx


async def test_user_info(wx: Wx, state: SandboxState) -> None:
    member = state.add_follower(nickname="王五")
    info = await wx.get("/cgi-bin/user/info", openid=member.openid, lang="zh_CN")
    assert info["subscribe"] == 1 and info["openid"] == member.openid
    assert info["subscribe_time"] == member.subscribe_time
    assert "nickname" not in info  # WeChat stopped returning it in December 2021
    state.unsubscribe(member.openid)
    assert await wx.get("/cgi-bin/user/info", openid=member.openid) == {
        "subscribe": 0,
        "openid": member.openid,
    }
    assert (await wx.get("/cgi-bin/user/info", openid="o_nobody"))["errcode"] == 40003


async def test_user_get_pages_by_ten_thousand(wx: Wx, state: SandboxState) -> None:
    for i in range(10_002):
        state.add_follower(f"o{i:027d}")
    state.unsubscribe(f"o{5:027d}")
    first = await wx.get("/cgi-bin/user/get")
    assert (first["total"], first["count"]) == (10_001, 10_000)
    assert first["next_openid"] == first["data"]["openid"][-1]
    second = await wx.get("/cgi-bin/user/get", next_openid=first["next_openid"])
    assert second["count"] == 1 and second["data"]["openid"] == [f"o{10_001:027d}"]
    last = await wx.get("/cgi-bin/user/get", next_openid=second["next_openid"])
    assert last == {"total": 10_001, "count": 0, "next_openid": ""}


async def test_user_info_batchget(wx: Wx, state: SandboxState) -> None:
    openids = [state.add_follower().openid for _ in range(2)]
    body = await wx.post(
        "/cgi-bin/user/info/batchget", {"user_list": [{"openid": o} for o in openids]}
    )
    assert [u["openid"] for u in body["user_info_list"]] == openids


async def test_tags_lifecycle(wx: Wx, state: SandboxState) -> None:
    members = [state.add_follower().openid for _ in range(3)]
    created = await wx.post("/cgi-bin/tags/create", {"tag": {"name": "预备党员"}})
    tag_id = created["tag"]["id"]
    assert created["tag"]["name"] == "预备党员" and tag_id >= 100
    duplicate = await wx.post("/cgi-bin/tags/create", {"tag": {"name": "预备党员"}})
    assert duplicate["errcode"] == 45157
    assert (await wx.post("/cgi-bin/tags/create", {"tag": {"name": "长" * 11}}))["errcode"] == 45158
    tagging = {"openid_list": members[:2], "tagid": tag_id}
    assert (await wx.post("/cgi-bin/tags/members/batchtagging", tagging))["errcode"] == 0
    tags = {t["id"]: t for t in (await wx.get("/cgi-bin/tags/get"))["tags"]}
    assert tags[tag_id]["count"] == 2 and tags[2]["name"] == "星标组"
    listed = await wx.post("/cgi-bin/user/tag/get", {"tagid": tag_id, "next_openid": ""})
    assert listed["data"]["openid"] == members[:2]
    ids = await wx.post("/cgi-bin/tags/getidlist", {"openid": members[0]})
    assert ids["tagid_list"] == [tag_id]
    untag = {"openid_list": members[:1], "tagid": tag_id}
    assert (await wx.post("/cgi-bin/tags/members/batchuntagging", untag))["errcode"] == 0
    assert state.followers[members[0]].tagids == []
    assert (await wx.post("/cgi-bin/tags/delete", {"tag": {"id": tag_id}}))["errcode"] == 0
    assert state.followers[members[1]].tagids == []


@pytest.mark.parametrize(
    ("openids", "tag", "errcode"),
    [
        (51, "real", 40032),
        (0, "real", 40032),
        (1, "unknown", 45159),
        (-1, "real", 40003),
    ],
)
async def test_batchtagging_rules(
    wx: Wx, state: SandboxState, openids: int, tag: str, errcode: int
) -> None:
    created = await wx.post("/cgi-bin/tags/create", {"tag": {"name": "支委"}})
    tag_id = created["tag"]["id"] if tag == "real" else 4242
    openid_list = (
        ["o_nobody"] if openids < 0 else [state.add_follower().openid for _ in range(openids)]
    )
    body = {"openid_list": openid_list, "tagid": tag_id}
    assert (await wx.post("/cgi-bin/tags/members/batchtagging", body))["errcode"] == errcode


async def test_reserved_tag_and_tags_per_user(wx: Wx, state: SandboxState) -> None:
    assert (await wx.post("/cgi-bin/tags/delete", {"tag": {"id": 2}}))["errcode"] == 45058
    member = state.add_follower().openid
    for i in range(21):
        tag_id = (await wx.post("/cgi-bin/tags/create", {"tag": {"name": f"组{i}"}}))["tag"]["id"]
        body = await wx.post(
            "/cgi-bin/tags/members/batchtagging", {"openid_list": [member], "tagid": tag_id}
        )
        assert body["errcode"] == (0 if i < 20 else 45059)
