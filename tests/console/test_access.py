"""Who may do what: CSRF on every form, viewers read only, secretaries within their units."""

from __future__ import annotations

import re

from app.models import AdminRole, Person
from tests.support.app import AppClient
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    default_units,
    get_person,
    post_form,
    sign_in,
)
from tests.support.plugin import count_rows
from tests.support.routes import console_paths

NEW_PERSON = {"employee_no": "S900", "name": "赵六", "stage": "masses", "status": "active"}


async def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(
    console: AppClient,
) -> None:
    """A form without the session's token gets the 403 page; the roster stays as it was."""
    await admin_console(console)
    for data in (NEW_PERSON, {**NEW_PERSON, "csrf_token": "forged-token-0123456789abcdef0123"}):
        response = await console.post("/admin/people/new", data=data)
        assert response.status_code == 403
        assert "页面已过期" in response.text
    assert await count_rows(console, Person) == 0
    # The same form with the real token goes through.
    response = await post_form(console, "/admin/people/new", NEW_PERSON)
    assert response.status_code == 303
    assert await count_rows(console, Person) == 1


async def test_every_console_post_checks_csrf(console: AppClient) -> None:
    """Each POST route under /admin/ refuses a wrong token, whatever it does."""
    await admin_console(console)
    app = console.app
    posts = [path for path, methods in console_paths(app) if "POST" in methods]
    assert len(posts) >= 15
    for path in posts:
        response = await console.post(re.sub(r"\{[^}]+\}", "1", path), data={"csrf_token": "x"})
        assert response.status_code == 403, path
    page = await console.get("/admin/")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_login_itself_needs_the_pre_session_token(console: AppClient) -> None:
    """A sign-in posted from another site (no token) is refused before the password is checked."""
    await add_user(console, "admin", AdminRole.ADMIN)
    form = {"username": "admin", "password": "correct-horse-battery"}
    assert (await console.post("/admin/login", data=form)).status_code == 403
    assert (await console.get("/admin/")).status_code == 302


async def test_viewer_reads_but_every_write_is_403(console: AppClient) -> None:
    """A viewer sees the roster; writes and admin pages answer with the 403 page."""
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0])
    await add_user(console, "viewer", AdminRole.VIEWER)
    await sign_in(console, "viewer")
    page = await console.get("/admin/people")
    assert page.status_code == 200 and "张三" in page.text
    assert "新增人员" not in page.text and "审计日志" not in page.text
    assert (await console.get(f"/admin/people/{person_id}")).status_code == 200
    writes = [
        ("/admin/people/new", NEW_PERSON),
        (f"/admin/people/{person_id}/edit", {"employee_no": "S001", "name": "改名"}),
        (
            f"/admin/people/{person_id}/stage",
            {"to_stage": "applicant", "occurred_on": "2024-01-02"},
        ),
        (f"/admin/people/{person_id}/binding-codes", {}),
        (f"/admin/people/{person_id}/unbind", {}),
        ("/admin/people/import", {}),
    ]
    for path, data in writes:
        response = await post_form(console, path, data)
        assert response.status_code == 403, path
        assert "只读账号" in response.text
    for path in ("/admin/people/new", "/admin/audit", "/admin/users"):
        assert (await console.get(path)).status_code == 403, path
    person = await get_person(console, person_id)
    assert person is not None and person.name == "张三" and person.stage == "masses"
    assert await count_rows(console, Person) == 1


async def test_secretary_sees_only_their_units(console: AppClient) -> None:
    """Someone outside the secretary's unit does not exist for them (404, not 403)."""
    units = await default_units(console)
    mine = await add_person(console, "S001", "本组成员", units.groups[0])
    theirs = await add_person(console, "S002", "他组成员", units.groups[1])
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")
    roster = await console.get("/admin/people")
    assert "本组成员" in roster.text and "他组成员" not in roster.text
    assert (await console.get(f"/admin/people/{mine}")).status_code == 200
    for path in (f"/admin/people/{theirs}", f"/admin/people/{theirs}/edit"):
        response = await console.get(path)
        assert response.status_code == 404, path
        assert "不在您负责的组织范围内" in response.text
    stage = {"to_stage": "applicant", "occurred_on": "2024-01-02"}
    assert (await post_form(console, f"/admin/people/{theirs}/stage", stage)).status_code == 404
    # Nor can they put a new person into another unit.
    other_unit = {**NEW_PERSON, "org_unit_id": str(units.groups[1])}
    response = await post_form(console, "/admin/people/new", other_unit)
    assert response.status_code == 400 and "请从列表中选择" in response.text
    own_unit = {**NEW_PERSON, "org_unit_id": str(units.groups[0])}
    assert (await post_form(console, "/admin/people/new", own_unit)).status_code == 303
    theirs_now = await get_person(console, theirs)
    assert theirs_now is not None and theirs_now.stage == "masses"


async def test_the_console_cookie_cannot_write_through_the_api(console):
    """A signed-in admin's cookie reads the API but cannot change data through it (CSRF)."""
    from tests.support.console import admin_console

    await admin_console(console)
    assert (await console.get("/api/v1/me")).status_code == 200
    response = await console.post(
        "/api/v1/people", json={"employee_no": "X1", "name": "跨站", "stage": "masses"}
    )
    assert response.status_code == 401
