"""What a read-only user may take away: the roster export with phone numbers masked."""

from __future__ import annotations

from app.models import AdminRole
from tests.support.api import Users, new_person
from tests.support.app import AppClient
from tests.support.console import add_person, add_user, post_form, second_browser, sign_in


async def test_viewer_exports_show_masked_phone_numbers(console: AppClient) -> None:
    """A viewer's roster download shows 138****0004; an admin's shows the number in full."""
    await add_person(console, "E001", "张三", None, phone="13800000004")
    await add_user(console, "viewer5", AdminRole.VIEWER)
    await add_user(console, "admin5", AdminRole.ADMIN)
    files: dict[str, str] = {}
    for username in ("viewer5", "admin5"):
        browser = second_browser(console)
        assert (await sign_in(browser, username)).status_code == 303
        response = await post_form(browser, "/admin/people/export", {"fmt": "csv"})
        assert response.status_code == 200, response.text[:300]
        files[username] = response.content.decode("utf-8-sig")
    assert "138****0004" in files["viewer5"] and "13800000004" not in files["viewer5"]
    assert "13800000004" in files["admin5"]


async def test_viewer_api_export_shows_masked_phone_numbers(api: AppClient, users: Users) -> None:
    """The same through the REST API with a viewer's token."""
    await new_person(api, users.admin, "E002", phone="13900000005")
    path = "/api/v1/people/export"
    viewer = await api.get(path, params={"fmt": "csv"}, headers=users.viewer)
    admin = await api.get(path, params={"fmt": "csv"}, headers=users.admin)
    assert viewer.status_code == admin.status_code == 200
    assert "139****0005" in viewer.content.decode("utf-8-sig")
    assert "13900000005" not in viewer.content.decode("utf-8-sig")
    assert "13900000005" in admin.content.decode("utf-8-sig")
