"""A push's /m/r/<token> link expires, OAuth is not skipped by the URL, tokens stay out of logs."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from app.logging import configure_logging
from tests.newsletters.test_publishing import _issue, _publish
from tests.support.app import AppClient
from tests.support.broadcasts import add_members, sender_for
from tests.support.chat import oauth_open


async def _push_path(client: AppClient) -> tuple[str, str]:
    (member,) = await add_members(client, 1)
    await _publish(client, await _issue(client, cover=False))
    await sender_for(client).run()
    (push,) = [d for d in client.sandbox.deliveries if d.openid == member.openid]
    return member.openid, urlsplit(str(push.payload["url"])).path


async def _decline_oauth(client: AppClient, path: str):
    """Open a page and come back from WeChat's OAuth without a code (the reader declined)."""
    start = await client.get(path)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    back = await client.get("/m/oauth/callback", params={"state": state})
    assert back.status_code == 302 and back.headers["location"] == path
    return await client.get(path)


async def test_an_expired_push_link_names_nobody_but_oauth_still_leads_in(client, clock):
    openid, path = await _push_path(client)
    clock.advance(31 * 86400)
    expired = await _decline_oauth(client, path)
    assert expired.status_code == 410 and "链接已过期" in expired.text
    async with AppClient(client.app) as phone:  # the member's own phone: WeChat names them
        page = await oauth_open(phone, openid, path)
    assert page.status_code == 200 and "学习贯彻全会精神" in page.text


async def test_a_query_parameter_cannot_skip_oauth(client: AppClient) -> None:
    _, path = await _push_path(client)
    for url in (path, f"{path}?oauth=done", "/m/n/1?oauth=done"):
        response = await client.get(url)
        assert response.status_code == 302, url
        assert "/connect/oauth2/authorize" in response.headers["location"]


async def test_push_tokens_are_masked_in_request_logs(make_client) -> None:
    client = await make_client(log_level="INFO")
    _, path = await _push_path(client)
    token = path.rsplit("/", 1)[1]
    stream = io.StringIO()
    configure_logging(level="INFO", json=True, stream=stream)
    try:
        await client.get(path)
    finally:
        configure_logging(level="WARNING", json=False)
    assert token not in stream.getvalue() and "/m/r/***" in stream.getvalue()
