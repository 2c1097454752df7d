"""Member pages (/m/): WeChat OAuth through the sandbox, binding by page, 我的记录."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx

from app.db import unit_of_work
from app.models import PoliticalStage
from app.models.people import PersonCreate
from app.services import audit
from app.services.binding import codes as bindings
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from tests.support.app import AppClient

ADMIN = audit.Actor(id=None, name="test-admin")


async def _oauth_sign_in(client: AppClient, openid: str, path: str) -> httpx.Response:
    """Follow /m/… → WeChat's authorize page (the sandbox) → our callback, as a phone would."""
    start = await client.get(path)
    assert start.status_code == 302
    authorize = urlsplit(start.headers["location"])
    assert authorize.path.endswith("/connect/oauth2/authorize")
    query = parse_qs(authorize.query)
    sandbox = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=client.sandbox_app), base_url="http://wx"
    )
    async with sandbox:
        granted = await sandbox.get(
            "/connect/oauth2/authorize",
            params={k: v[0] for k, v in query.items()} | {"openid": openid},
        )
    assert granted.status_code == 302, granted.text
    back = urlsplit(granted.headers["location"])
    return await client.get(f"{back.path}?{back.query}")


async def test_bind_by_page_then_see_my_record(client, clock):
    sandbox = client.sandbox
    openid = sandbox.add_follower(nickname="手机上的党员").openid
    async with unit_of_work(client.sessions) as session:
        branch = await org_unit_service.ensure_default_tree(session)
        person = await people_service.create(
            session,
            data=PersonCreate(
                employee_no="S009",
                name="赵敏",
                org_unit_id=branch.id,
                stage=PoliticalStage.FULL,
                stage_since=date(2015, 7, 1),
                phone="13800001234",
            ),
            actor=ADMIN,
        )
        code, _ = await bindings.issue_code(session, person=person, actor=ADMIN, now=clock())

    landed = await _oauth_sign_in(client, openid, "/m/me")
    assert landed.status_code == 302 and landed.headers["location"] == "/m/me"
    unbound = await client.get("/m/me")
    assert unbound.headers["location"] == "/m/bind"
    form = await client.get("/m/bind")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match is not None
    token = match.group(1)

    wrong = await client.post("/m/bind", data={"csrf_token": token, "code": "AAAAAAAA"})
    assert wrong.status_code == 422 and "绑定码不正确" in wrong.text
    no_token = await client.post("/m/bind", data={"code": code})
    assert no_token.status_code == 403
    done = await client.post("/m/bind", data={"csrf_token": token, "code": code.lower()})
    assert done.status_code == 303 and done.headers["location"] == "/m/me"

    page = await client.get("/m/me")
    assert page.status_code == 200
    assert "赵敏" in page.text and "正式党员" in page.text and "138****1234" in page.text
    assert "13800001234" not in page.text


async def test_a_forged_oauth_state_is_refused(client):
    await client.get("/m/me")  # starts a sign-in, with its own state
    response = await client.get("/m/oauth/callback", params={"code": "x", "state": "forged"})
    assert response.status_code == 400 and "链接已失效" in response.text
    assert (await client.get("/m/me")).status_code == 302  # still not signed in


async def test_an_invalid_oauth_code_is_refused(client):
    start = await client.get("/m/me")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    response = await client.get("/m/oauth/callback", params={"code": "bogus", "state": state})
    assert response.status_code == 400 and "登录失败" in response.text


async def test_subscription_accounts_get_no_oauth_pages(make_client):
    client = await make_client(wechat_account_type="subscription")
    response = await client.get("/m/me")
    assert response.status_code == 200 and "回复「我的」" in response.text


async def test_next_cannot_leave_the_member_pages(client):
    from app.web.member.reader import _safe_next

    for hostile in ("https://evil.example/", "//evil.example/m/", "/admin/", None):
        assert _safe_next(hostile) == "/m/me"
