"""Console users and API tokens (admins only): create, deactivate, reset, tokens shown once."""

from __future__ import annotations

import re

from app.models import AdminRole, AdminUser
from tests.support.app import AppClient
from tests.support.console import (
    PASSWORD,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import count_rows


async def test_create_user_checks_role_unit_and_password(console: AppClient) -> None:
    """A secretary needs a unit; passwords have a minimum length; errors stay by their fields."""
    await admin_console(console)
    units = await default_units(console)
    form = {"username": "sec", "display_name": "书记", "role": "secretary", "password": "short"}
    response = await post_form(console, "/admin/users", form, page="/admin/users")
    assert response.status_code == 400
    assert 'id="org_unit_id-error">支部书记账号需要选择负责的组织<' in response.text
    assert 'id="password-error">密码至少 10 个字符<' in response.text
    assert await count_rows(console, AdminUser) == 1
    good = {**form, "org_unit_id": str(units.groups[0]), "password": PASSWORD}
    response = await post_form(console, "/admin/users", good)
    assert response.status_code == 303
    page = await console.get(response.headers["location"])
    assert "支部书记" in page.text and "第一党小组" in page.text
    entry = (await audit_entries(console, "admin_user.create"))[0]
    assert entry.actor_name == "admin" and entry.after["username"] == "sec"
    assert "password_hash" not in entry.after
    again = await post_form(console, "/admin/users", good)
    assert again.status_code == 400 and "用户名已存在" in again.text


async def test_deactivate_and_reset_password_end_the_users_sessions(
    console: AppClient,
) -> None:
    """停用 signs the user out everywhere at once; so does a password reset."""
    await admin_console(console)
    viewer_id = await add_user(console, "viewer", AdminRole.VIEWER)
    async with second_browser(console) as viewer:
        assert (await sign_in(viewer, "viewer")).status_code == 303
        assert (await viewer.get("/admin/")).status_code == 200
        path = f"/admin/users/{viewer_id}"
        assert (await post_form(console, f"{path}/active", {"active": "0"})).status_code == 303
        assert (await viewer.get("/admin/")).status_code == 302
        assert (await sign_in(viewer, "viewer")).status_code == 401
        assert (await post_form(console, f"{path}/active", {"active": "1"})).status_code == 303
        assert (await sign_in(viewer, "viewer")).status_code == 303

        new_password = "another-long-password"
        short = await post_form(console, f"{path}/password", {"password": "x"})
        assert short.status_code == 400 and "密码至少 10 个字符" in short.text
        reset = await post_form(console, f"{path}/password", {"password": new_password})
        assert reset.status_code == 303
        assert (await viewer.get("/admin/")).status_code == 302
        assert (await sign_in(viewer, "viewer", new_password)).status_code == 303
    actions = [e.action for e in await audit_entries(console, "admin_user.")]
    assert {"admin_user.deactivate", "admin_user.activate", "admin_user.password_reset"} <= set(
        actions
    )


async def test_admin_cannot_lock_themselves_out(console: AppClient) -> None:
    """Deactivating one's own account (or the last admin) is refused."""
    me = await admin_console(console)
    response = await post_form(console, f"/admin/users/{me}/active", {"active": "0"})
    assert response.status_code == 403
    assert (await console.get("/admin/")).status_code == 200


async def test_api_token_is_shown_once_and_can_be_revoked(console: AppClient) -> None:
    """The token page shows the plaintext; the user page lists only its prefix."""
    me = await admin_console(console)
    response = await post_form(console, f"/admin/users/{me}/tokens", {"name": "月报脚本"})
    assert response.status_code == 200
    token = re.search(r'data-testid="api-token">(st_[^<]+)<', response.text)
    assert token is not None
    page = await console.get(f"/admin/users/{me}")
    assert token.group(1) not in page.text and "月报脚本" in page.text
    (token_id,) = re.findall(rf"/admin/users/{me}/tokens/(\d+)/revoke", page.text)
    response = await post_form(console, f"/admin/users/{me}/tokens/{token_id}/revoke", {})
    assert response.status_code == 303
    assert "已吊销" in (await console.get(f"/admin/users/{me}")).text
    assert [e.action for e in await audit_entries(console, "api_token.")] == [
        "api_token.revoke",
        "api_token.create",
    ]
