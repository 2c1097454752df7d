"""Signing in and out of the console: passwords, lock-out, sessions, redirects."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher

from app.models import AdminRole
from app.services.accounts.admins import _DUMMY_HASH
from tests.support.app import AppClient
from tests.support.console import PASSWORD, add_user, audit_entries, csrf, second_browser, sign_in
from tests.support.plugin import Clock


async def test_sign_in_starts_a_fresh_session_and_is_audited(console: AppClient) -> None:
    """A good password lands on the console with the user's name; the CSRF token is renewed."""
    await add_user(console, "secretary1", AdminRole.ADMIN)
    anonymous_token = await csrf(console, "/admin/login")
    response = await sign_in(console, "secretary1", next_url="/admin/people?stage=full")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/people?stage=full"
    home = await console.get("/admin/")
    assert home.status_code == 200
    assert "secretary1 同志" in home.text and "管理员" in home.text
    assert "欢迎" in home.text  # the flash message, shown once
    assert "欢迎" not in (await console.get("/admin/")).text
    assert await csrf(console) != anonymous_token  # session.clear() on sign-in
    logins = [e for e in await audit_entries(console, "auth.login") if e.action == "auth.login"]
    assert len(logins) == 1 and logins[0].target_id is not None


async def test_wrong_password_and_unknown_user_get_the_same_message(
    console: AppClient,
) -> None:
    """Failures never say whether the user exists."""
    await add_user(console, "viewer1", AdminRole.VIEWER)
    for username, password in (("viewer1", "wrong-password"), ("nobody", PASSWORD)):
        response = await sign_in(console, username, password)
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
    assert (await console.get("/admin/")).status_code == 302


async def test_five_failures_lock_the_account_for_15_minutes(
    console: AppClient, clock: Clock
) -> None:
    """After five wrong passwords even the right one is refused until the lock ends."""
    await add_user(console, "viewer2", AdminRole.VIEWER)
    for _ in range(5):
        assert "用户名或密码错误" in (await sign_in(console, "viewer2", "wrong-pass")).text
    locked = await sign_in(console, "viewer2")
    assert locked.status_code == 401
    assert "账号已临时锁定，请 15 分钟后再试" in locked.text
    clock.advance(timedelta(minutes=16).total_seconds())
    assert (await sign_in(console, "viewer2")).status_code == 303


async def test_not_signed_in_goes_to_login_and_comes_back(console: AppClient) -> None:
    """Every page asks for a sign-in first, remembering where the user was going."""
    response = await console.get("/admin/people?q=%E5%BC%A0")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location == "/admin/login?next=%2Fadmin%2Fpeople%3Fq%3D%25E5%25BC%25A0"
    page = await console.get(location)
    assert 'name="next" value="/admin/people?q=%E5%BC%A0"' in page.text


EVIL_TARGETS = (
    "https://evil.example/admin/",
    "//evil.example/admin/",
    "/\\evil.example",
    "http:/admin",
    "/other",
    "javascript:alert(1)",
)


async def test_no_open_redirect(console: AppClient) -> None:
    """Only console paths are followed after sign-in; anything else goes home."""
    await add_user(console, "admin2", AdminRole.ADMIN)
    for target in EVIL_TARGETS:
        console.cookies.clear()
        response = await sign_in(console, "admin2", next_url=target)
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/", target
        login_page = await console.get("/admin/login", params={"next": target})
        assert login_page.status_code == 303  # already signed in: straight home, not away
        assert login_page.headers["location"] == "/admin/"


async def test_sign_out_ends_the_session(console: AppClient) -> None:
    """Signing out is a POST (with the CSRF token) and the next page asks for a sign-in."""
    await add_user(console, "admin3", AdminRole.ADMIN)
    await sign_in(console, "admin3")
    token = await csrf(console)
    assert (await console.get("/admin/logout")).status_code == 404  # not a GET
    response = await console.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await console.get("/admin/")).status_code == 302
    assert [e.action for e in await audit_entries(console, "auth.logout")] == ["auth.logout"]


async def test_sign_out_revokes_a_copied_cookie(console: AppClient) -> None:
    """After 退出 a copy of the session cookie opens neither the console nor /api/v1/me."""
    await add_user(console, "admin4", AdminRole.ADMIN)
    await sign_in(console, "admin4")
    thief = second_browser(console)
    thief.cookies.update(console.cookies)
    assert (await thief.get("/admin/")).status_code == 200
    assert (await thief.get("/api/v1/me")).status_code == 200
    token = await csrf(console)
    assert (await console.post("/admin/logout", data={"csrf_token": token})).status_code == 303
    assert (await thief.get("/admin/")).status_code == 302
    assert (await thief.get("/api/v1/me")).status_code == 401


def test_the_no_such_user_check_costs_what_a_real_one_does() -> None:
    """The written-out dummy hash has the hasher's own parameters (else "no such user" would
    answer faster or slower than "wrong password", and tell who has an account)."""
    assert not PasswordHasher().check_needs_rehash(_DUMMY_HASH)
