"""Signing on the /m/pledges page: through WeChat's OAuth, or by the signed per-person link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, oauth_open
from tests.support.console import csrf_of
from tests.support.pledges import (
    PLEDGE_TEXT,
    edit_text,
    link_sent_to,
    make_campaign,
    send,
    signatures,
)
from tests.support.plugin import Clock

DEADLINE = china(2026, 12, 31, 18)


def _form(page: httpx.Response) -> dict[str, str]:
    """The sign form's hidden fields, as the browser would post them."""
    text = page.text
    fields = {"csrf_token": csrf_of(text)}
    for name in ("version", "sha256", "t"):
        marker = f'name="{name}" value="'
        if marker in text:
            fields[name] = text.split(marker, 1)[1].split('"', 1)[0]
    return fields


async def _follow(client: AppClient, path: str) -> httpx.Response:
    response = await client.get(path)
    while (
        response.status_code in (302, 303)
        and "/connect/oauth2/" not in response.headers["location"]
    ):
        location = urlsplit(response.headers["location"])
        response = await client.get(f"{location.path}?{location.query}")
    return response


async def test_signing_through_oauth_from_the_push(client: AppClient, clock: Clock) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    push_link = link_sent_to(client, member.openid)
    assert push_link.startswith("/m/r/")

    # The push's link asks WeChat who is reading first, then leads to the pledge.
    opened = await oauth_open(client, member.openid, push_link)
    assert opened.status_code == 302
    page = await client.get(opened.headers["location"])

    assert page.status_code == 200
    assert "2026年度廉洁承诺书" in page.text and "不以权谋私" in page.text
    assert 'data-testid="sign-button"' in page.text and member.name in page.text
    signed = await client.post(f"/m/pledges/{campaign_id}/sign", data=_form(page))
    assert signed.status_code == 303
    shown = await client.get(signed.headers["location"])
    assert 'data-testid="pledge-signed"' in shown.text and "第 1 版" in shown.text
    [signature] = await signatures(client, campaign_id)
    assert (signature.person_id, signature.channel) == (member.person_id, "page_oauth")


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the member."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


async def _by_link(
    client: AppClient, clock: Clock, deadline: datetime = DEADLINE
) -> tuple[int, Any, str]:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    # A subscription account reaches a member only inside the 48-hour window of their message.
    await Chat(client, clock).say(member.openid, "帮助")
    campaign_id = await make_campaign(client, deadline=deadline)
    await send(client)
    opened = await client.get(link_sent_to(client, member.openid))
    assert opened.status_code == 302
    return campaign_id, member, opened.headers["location"]


async def test_signing_by_the_signed_link(subscription: AppClient, clock: Clock) -> None:
    campaign_id, member, page_path = await _by_link(subscription, clock)
    assert "?t=" in page_path

    page = await subscription.get(page_path)
    assert page.status_code == 200 and member.name in page.text
    signed = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=_form(page))
    assert signed.status_code == 303
    again = await subscription.get(signed.headers["location"])
    assert 'data-testid="pledge-signed"' in again.text
    [signature] = await signatures(subscription, campaign_id)
    assert signature.channel == "page_link" and signature.person_id == member.person_id

    # A second tap (a second tab) is told so and records nothing.
    twice = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=_form(page))
    assert twice.status_code == 409 and "已经签署过" in twice.text
    assert len(await signatures(subscription, campaign_id)) == 1


async def test_a_forged_or_expired_link_signs_nothing(
    subscription: AppClient, clock: Clock
) -> None:
    campaign_id, _, page_path = await _by_link(subscription, clock)
    token = parse_qs(urlsplit(page_path).query)["t"][0]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    page = await subscription.get(f"/m/pledges/{campaign_id}?t={forged}")
    assert page.status_code == 404 and "链接无效" in page.text
    # A link for another campaign's page is forged for this one.
    assert (await subscription.get(f"/m/pledges/{campaign_id + 1}?t={token}")).status_code == 404

    good = await subscription.get(page_path)
    form = _form(good)
    posted = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form | {"t": forged})
    assert posted.status_code == 404

    clock.advance(timedelta(days=8).total_seconds())
    expired = await subscription.get(page_path)
    assert expired.status_code == 400 and "链接已过期" in expired.text
    late = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert late.status_code == 400
    assert await signatures(subscription, campaign_id) == []


async def test_without_a_link_or_oauth_the_text_shows_but_nobody_can_sign(
    subscription: AppClient, clock: Clock
) -> None:
    campaign_id, _, page_path = await _by_link(subscription, clock)
    page = await subscription.get(f"/m/pledges/{campaign_id}")
    assert page.status_code == 200 and "不以权谋私" in page.text
    assert "sign-button" not in page.text and "推送的链接" in page.text
    form = _form(await subscription.get(page_path))
    del form["t"]
    posted = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert posted.status_code == 403 and "无法确认您的身份" in posted.text
    assert await signatures(subscription, campaign_id) == []


async def test_an_old_version_on_the_page_is_refused_and_the_new_one_shown(
    subscription: AppClient, clock: Clock
) -> None:
    campaign_id, _, page_path = await _by_link(subscription, clock)
    form = _form(await subscription.get(page_path))
    await edit_text(subscription, campaign_id, PLEDGE_TEXT + "\n四、严格执行中央八项规定精神。")

    stale = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)

    assert stale.status_code == 409
    assert "已更新为第 2 版" in stale.text and "中央八项规定" in stale.text
    assert await signatures(subscription, campaign_id) == []
    fresh = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=_form(stale))
    assert fresh.status_code == 303
    [signature] = await signatures(subscription, campaign_id)
    assert signature.version_number == 2


async def test_a_doctored_hash_is_an_old_version(subscription: AppClient, clock: Clock) -> None:
    campaign_id, _, page_path = await _by_link(subscription, clock)
    form = _form(await subscription.get(page_path)) | {"sha256": "0" * 64}
    posted = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert posted.status_code == 409
    assert await signatures(subscription, campaign_id) == []


async def test_after_the_deadline_the_page_says_so(subscription: AppClient, clock: Clock) -> None:
    deadline = china(2026, 12, 3, 18)
    campaign_id, _, page_path = await _by_link(subscription, clock, deadline)
    form = _form(await subscription.get(page_path))
    clock.set(deadline + timedelta(minutes=1))

    page = await subscription.get(page_path)
    assert 'data-testid="pledge-closed"' in page.text and "sign-button" not in page.text
    posted = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert posted.status_code == 410 and "已截止" in posted.text
    assert await signatures(subscription, campaign_id) == []


async def test_a_missing_csrf_token_signs_nothing(subscription: AppClient, clock: Clock) -> None:
    campaign_id, _, page_path = await _by_link(subscription, clock)
    form = _form(await subscription.get(page_path))
    del form["csrf_token"]
    posted = await subscription.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert posted.status_code == 403
    assert await signatures(subscription, campaign_id) == []


async def test_a_forwarded_link_opened_by_another_member_is_theirs_not_the_senders(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member, colleague] = await add_party_members(client, 2)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    forwarded = link_sent_to(client, member.openid)

    # The colleague signed in through OAuth earlier (another page), then opens the link.
    await oauth_open(client, colleague.openid, "/m/me")
    opened = await client.get(forwarded)
    page = await _follow(client, opened.headers["location"])
    assert page.status_code == 200 and colleague.name in page.text
    signed = await client.post(f"/m/pledges/{campaign_id}/sign", data=_form(page))
    assert signed.status_code == 303
    [signature] = await signatures(client, campaign_id)
    assert signature.person_id == colleague.person_id


async def test_a_draft_is_not_shown(client: AppClient, clock: Clock) -> None:
    clock.set(china(2026, 12, 1, 9))
    campaign_id = await make_campaign(client, deadline=DEADLINE, publish=False)
    page = await client.get(f"/m/pledges/{campaign_id}?oauth=done")
    assert page.status_code == 404 and "承诺书不存在" in page.text
    assert client.app is not None


async def test_a_forwarded_link_opened_by_an_unbound_wechat_signs_nothing(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    forwarded = link_sent_to(client, member.openid)
    stranger = "o-unbound-reader".ljust(28, "x")
    client.sandbox.add_follower(stranger)

    await oauth_open(client, stranger, "/m/me")  # WeChat now says who is reading
    opened = await client.get(forwarded)
    page = await _follow(client, opened.headers["location"])
    assert page.status_code == 200 and 'data-testid="pledge-bind"' in page.text
    assert member.name not in page.text and "sign-button" not in page.text
    token = parse_qs(urlsplit(opened.headers["location"]).query)["t"][0]
    bind_form = await client.get("/m/bind")  # a page of ours with the session's CSRF token
    form = {"csrf_token": csrf_of(bind_form.text), "version": "1", "sha256": "", "t": token}
    posted = await client.post(f"/m/pledges/{campaign_id}/sign", data=form)
    assert posted.status_code == 403
    assert await signatures(client, campaign_id) == []
