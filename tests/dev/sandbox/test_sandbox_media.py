"""Materials, drafts and free publishing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.dev.sandbox import SandboxState
from tests.support.sandbox import PNG, Wx


def article(**change: Any) -> dict[str, Any]:
    base = {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": "set-me"}
    return {**base, **change}


async def test_add_material_keeps_the_upload(wx: Wx, state: SandboxState) -> None:
    body = await wx.upload()
    assert body["url"].startswith("https://mmbiz.qpic.cn/")
    material = state.materials[body["media_id"]]
    assert (material.type, material.filename, material.size) == ("image", "thumb.png", len(PNG))


async def test_add_material_errors(wx: Wx) -> None:
    assert (await wx.upload(kind="news"))["errcode"] == 40004
    assert (await wx.upload(filename="doc.pdf"))["errcode"] == 40113
    assert (await wx.upload(content=b""))["errcode"] == 41005
    assert (await wx.upload(content=b"x" * (10 * 1024 * 1024 + 1)))["errcode"] == 40009


async def test_upload_keeps_binary_content_and_needs_multipart(wx: Wx, state: SandboxState) -> None:
    content = PNG + b"\r\n--XyZ\r\n\x00\xff"  # line breaks and a boundary-like run inside
    body = await wx.upload(filename="a.png", content=content)
    material = state.materials[body["media_id"]]
    assert (material.filename, material.size) == ("a.png", len(content))
    token = wx.access_token or await wx.token()
    not_multipart = await wx.client.post(
        "/cgi-bin/material/add_material",
        params={"access_token": token, "type": "image"},
        content=b'{"media": "x"}',
        headers={"content-type": "application/json"},
    )
    assert not_multipart.json()["errcode"] == 41005


async def test_draft_needs_a_permanent_image_thumbnail(wx: Wx, state: SandboxState) -> None:
    assert (await wx.post("/cgi-bin/draft/add", {"articles": [article()]}))["errcode"] == 40007
    thumb = (await wx.upload())["media_id"]
    body = await wx.post("/cgi-bin/draft/add", {"articles": [article(thumb_media_id=thumb)]})
    assert set(body) == {"media_id"}
    got = await wx.post("/cgi-bin/draft/get", {"media_id": body["media_id"]})
    assert got["news_item"][0]["title"] == "标题"


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"title": ""}, 44003),
        ({"title": "长" * 65}, 45003),
        ({"author": "作" * 17}, 45110),
        ({"digest": "摘" * 121}, 45004),
        ({"content": ""}, 44004),
    ],
)
async def test_draft_article_rules(wx: Wx, change: dict[str, Any], errcode: int) -> None:
    thumb = (await wx.upload())["media_id"]
    body = {"articles": [article(thumb_media_id=thumb, **change)]}
    assert (await wx.post("/cgi-bin/draft/add", body))["errcode"] == errcode


async def test_draft_article_count(wx: Wx) -> None:
    thumb = (await wx.upload())["media_id"]
    assert (await wx.post("/cgi-bin/draft/add", {"articles": []}))["errcode"] == 44003
    nine = {"articles": [article(thumb_media_id=thumb)] * 9}
    assert (await wx.post("/cgi-bin/draft/add", nine))["errcode"] == 45008


async def test_freepublish_submit_and_get(wx: Wx, state: SandboxState) -> None:
    media_id = await wx.draft()
    body = await wx.post("/cgi-bin/freepublish/submit", {"media_id": media_id})
    assert body["errcode"] == 0 and isinstance(body["msg_data_id"], int)
    assert state.deliveries == []  # publishing notifies nobody
    got = await wx.post("/cgi-bin/freepublish/get", {"publish_id": body["publish_id"]})
    assert got["publish_status"] == 0
    assert got["article_detail"]["item"][0]["article_url"].startswith("https://mp.weixin.qq.com/s/")
    missing = await wx.post("/cgi-bin/freepublish/submit", {"media_id": "nope"})
    assert missing["errcode"] == 40007


async def test_draft_delete(wx: Wx) -> None:
    media_id = await wx.draft()
    assert (await wx.post("/cgi-bin/draft/delete", {"media_id": media_id}))["errcode"] == 0
    assert (await wx.post("/cgi-bin/draft/get", {"media_id": media_id}))["errcode"] == 40007


async def _upload_article_image(wx: Wx, filename: str, content: bytes) -> dict[str, Any]:
    token = wx.access_token or await wx.token()
    response = await wx.client.post(
        "/cgi-bin/media/uploadimg",
        params={"access_token": token},
        files={"media": (filename, content, "image/png")},
    )
    return dict(response.json())


async def test_uploaded_images_are_served_for_the_simulator(
    wx: Wx, client: httpx.AsyncClient, state: SandboxState
) -> None:
    """mmbiz URLs lead nowhere in dev: /_sandbox/images/<key> serves what was uploaded."""
    cover = (await wx.upload())["url"]
    inside = (await _upload_article_image(wx, "photo.png", PNG + b"inside"))["url"]
    for url, content in ((cover, PNG), (inside, PNG + b"inside")):
        assert url.startswith("https://mmbiz.qpic.cn/sandbox/")
        key = url.removeprefix("https://mmbiz.qpic.cn/sandbox/").split("/")[0]
        served = await client.get(f"/_sandbox/images/{key}")
        assert served.status_code == 200 and served.content == content
        assert served.headers["content-type"] == "image/png"
    assert (await client.get("/_sandbox/images/nothing-here")).status_code == 404
    await client.post("/_sandbox/reset")
    assert state.images == {}


async def test_article_images_are_jpg_or_png_up_to_1_mb(wx: Wx) -> None:
    assert (await _upload_article_image(wx, "a.gif", PNG))["errcode"] == 40113
    too_big = PNG + bytes(1024 * 1024)
    assert (await _upload_article_image(wx, "a.png", too_big))["errcode"] == 40009
    assert (await _upload_article_image(wx, "a.png", b""))["errcode"] == 41005


async def test_media_a_member_sent_is_served_by_media_get(
    wx: Wx, client: httpx.AsyncClient, state: SandboxState
) -> None:
    put = await client.put(
        "/_sandbox/media/m1", content=b"\xff\xd8\xffphoto", headers={"content-type": "image/jpeg"}
    )
    assert put.json() == {"media_id": "m1", "content_type": "image/jpeg", "size": 8}
    token = await wx.token()
    served = await client.get(
        "/cgi-bin/media/get", params={"access_token": token, "media_id": "m1"}
    )
    assert served.status_code == 200 and served.content == b"\xff\xd8\xffphoto"
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-disposition"].startswith('attachment; filename="')
    assert served.headers["content-disposition"].endswith('.jpg"')
    assert (await wx.get("/cgi-bin/media/get", media_id="nope"))["errcode"] == 40007
    no_token = await client.get("/cgi-bin/media/get", params={"media_id": "m1"})
    assert no_token.json()["errcode"] == 41001
    assert (await wx.post("/cgi-bin/media/get", {"media_id": "m1"}))["errcode"] == 43001
    assert state.call_count("/cgi-bin/media/get", 0) == 1
    await client.post("/_sandbox/reset")
    assert state.inbound_media == {}
