"""Binding codes in the console: shown once, listed without the code, revoked; unbinding."""

from __future__ import annotations

import re

from app.services.binding import codes as binding_service
from tests.support.app import AppClient
from tests.support.console import add_person, admin_console, audit_entries, default_units, post_form

OPENID = "oTEST000000000000000000000001"


async def _redeem(client: AppClient, code: str) -> binding_service.RedeemOutcome:
    """What the chat handler does when a member replies 「绑定 CODE」."""
    async with client.sessions() as session:
        result = await binding_service.redeem(
            session,
            openid=OPENID,
            code=code,
            now=client.state.clock(),
        )
        await session.commit()
        return result.outcome


async def test_binding_code_is_shown_once_then_binds(console: AppClient) -> None:
    """The code page shows it big with the instruction; the person page never shows it again."""
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(console, "E001", "孙立", units.groups[0])
    path = f"/admin/people/{person_id}"
    response = await post_form(console, f"{path}/binding-codes", {}, page=path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    code = re.search(r'data-testid="binding-code">([A-Z0-9]+)<', response.text)
    assert code is not None
    plaintext = code.group(1)
    assert f"请在公众号回复：绑定 {plaintext}" in response.text
    assert "有效至" in response.text
    person_page = await console.get(path)
    assert plaintext not in person_page.text
    assert 'data-testid="active-codes"' in person_page.text and "未绑定" in person_page.text
    (issued,) = await audit_entries(console, "binding.issue_code")
    assert plaintext not in (issued.summary or "")

    assert await _redeem(console, plaintext) is binding_service.RedeemOutcome.BOUND
    person_page = await console.get(path)
    assert 'data-testid="bound">已绑定<' in person_page.text
    assert "已绑定" in (await console.get("/admin/people")).text

    response = await post_form(console, f"{path}/unbind", {}, page=path)
    assert response.status_code == 303
    assert 'data-testid="unbound">未绑定<' in (await console.get(path)).text
    assert len(await audit_entries(console, "binding.unbind")) == 1


async def test_revoked_code_no_longer_works(console: AppClient) -> None:
    """作废: the code disappears from the list and the chat refuses it."""
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(console, "E002", "钱多", units.groups[0])
    path = f"/admin/people/{person_id}"
    page = await post_form(console, f"{path}/binding-codes", {}, page=path)
    plaintext = re.search(r'data-testid="binding-code">([A-Z0-9]+)<', page.text)
    assert plaintext is not None
    (revoke,) = re.findall(rf"{path}/binding-codes/(\d+)/revoke", (await console.get(path)).text)
    response = await post_form(console, f"{path}/binding-codes/{revoke}/revoke", {}, page=path)
    assert response.status_code == 303
    assert 'data-testid="active-codes"' not in (await console.get(path)).text
    again = await post_form(console, f"{path}/binding-codes/{revoke}/revoke", {}, page=path)
    assert again.status_code == 404
    outcome = await _redeem(console, plaintext.group(1))
    assert outcome is binding_service.RedeemOutcome.INVALID
