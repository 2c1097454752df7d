"""Every /m/ response carries the headers that keep its tokens on the page: no framing, no
referrer, no sniffing, and a CSP that allows only the page's own assets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.app import AppClient
from tests.support.chat import add_party_members, oauth_open

EXPECTED = {
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def _assert_member_headers(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (what, name)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, what
    assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp, what
    assert response.headers["cache-control"] == "no-store", what


async def test_member_pages_redirects_and_errors_all_carry_the_headers(client: AppClient) -> None:
    [member] = await add_party_members(client, 1)
    responses = {
        "oauth redirect": await client.get("/m/me"),
        "unknown issue": await client.get("/m/n/5"),
        "forged push link": await client.get("/m/r/forged-token"),
        "no such page": await client.get("/m/nothing-here"),
        "bad oauth state": await client.get("/m/oauth/callback", params={"state": "x"}),
    }
    async with AppClient(client.app) as phone:
        start = await phone.get("/m/me")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        responses["declined oauth"] = await phone.get("/m/oauth/callback", params={"state": state})
    responses["own record"] = await oauth_open(client, member.openid, "/m/me")
    assert responses["own record"].status_code == 200
    for what, response in responses.items():
        _assert_member_headers(response, what)
    # The console keeps its own policy; the callback and the API are not pages.
    assert (await client.get("/healthz")).headers.get("referrer-policy") is None
