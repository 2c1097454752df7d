"""The member's pages from the chat's signed link: submit with photos, see one's own; a photo over
the limit, a forged or expired link each get a clear page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.services import attachments
from tests.suggestions.support import NOW, suggestions
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.console import csrf_of
from tests.support.media import JPEG
from tests.support.plugin import Clock


def _links(reply: str) -> list[str]:
    """The paths of the links in a chat reply."""
    return [
        urlsplit(href).path + "?" + urlsplit(href).query
        for href in re.findall(r'href="([^"]+)"', reply)
    ]


async def _post(
    client: AppClient, page: httpx.Response, files: list[Any], **data: str
) -> httpx.Response:
    token = re.search(r'name="t" value="([^"]+)"', page.text)
    form = {"csrf_token": csrf_of(page.text), "t": token.group(1) if token else "", **data}
    return await client.post("/m/suggestions/new", data=form, files=files)


async def test_submit_with_photos_then_see_where_it_stands(make_client: Any, clock: Clock) -> None:
    client: AppClient = await make_client(wechat_account_type="subscription")
    chat = Chat(client, clock)
    clock.set(NOW)
    [member, colleague] = await add_party_members(client, 2)
    reply = await chat.say(member.openid, "建议 先用文字提一条。")
    new, mine = _links(reply)
    assert new.startswith("/m/suggestions/new?t=") and mine.startswith("/m/suggestions/mine?t=")

    page = await client.get(new)
    assert page.status_code == 200 and "我为创业创效献一策" in page.text
    too_big = JPEG + b"\x00" * attachments.MAX_BYTES
    refused = await _post(
        client, page, [("photos", ("big.jpg", too_big, "image/jpeg"))], content="带照片的建议。"
    )
    assert refused.status_code == 400 and "不能超过 10 MB" in refused.text
    assert "带照片的建议。" in refused.text  # the text is kept
    assert len(await suggestions(client)) == 1

    photos = [("photos", (f"p{i}.jpg", JPEG, "image/jpeg")) for i in range(2)]
    sent = await _post(
        client, page, photos, content="带照片的建议。", category="safety",
        coauthor_id=str(colleague.person_id),
    )  # fmt: skip
    assert sent.status_code == 303
    landed = await client.get(sent.headers["location"])
    stored = (await suggestions(client))[-1]
    assert f"已收到您的合理化建议，编号 {stored.number}" in landed.text
    assert landed.text.count('data-testid="my-suggestion"') == 2
    assert stored.category == "safety" and stored.via == "page"
    async with client.sessions() as session:
        kept = await attachments.of(session, owner_kind="suggestion", owner_ids=[stored.id or 0])
    assert len(kept[stored.id or 0]) == 2
    # The co-submitter sees it among their own.
    listing = await client.get(mine)
    assert (stored.number or "-") in listing.text


async def test_forged_expired_and_unbound_links(make_client: Any, clock: Clock) -> None:
    client: AppClient = await make_client(wechat_account_type="subscription")
    chat = Chat(client, clock)
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    new, _ = _links(await chat.say(member.openid, "建议 一条。"))
    forged = await client.get(new[:-3] + "abc")
    assert forged.status_code == 404 and "链接无效" in forged.text
    nobody = await client.get("/m/suggestions/new?t=")
    assert nobody.status_code == 403 and "绑定" in nobody.text
    clock.set(NOW + timedelta(days=8))
    expired = await client.get(new)
    assert expired.status_code == 400 and "链接已过期" in expired.text
