"""The admin console over HTTP: an app with /admin/, users of each role, and signing in."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlmodel import col, select

from app.models import AdminRole, OrgUnit, OrgUnitKind, Person
from app.models.people import PersonCreate
from app.services import audit
from app.services.accounts import admins as admin_service
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from tests.support.app import AppClient

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# Made once per worker, not once per test (a hash, even at these costs, is ~1 ms).
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_FAST_DUMMY_HASH = _FAST_HASHER.hash("not-a-real-password")


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with test-sized costs: the production ones take 0.3 s per sign-in here."""
    monkeypatch.setattr(admin_service, "_hasher", _FAST_HASHER)
    monkeypatch.setattr(admin_service, "_DUMMY_HASH", _FAST_DUMMY_HASH)


@pytest.fixture
async def console(make_client: Callable[..., Any]) -> AppClient:
    """A client for an app with the console mounted."""
    client: AppClient = await make_client()
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


async def csrf(client: AppClient, path: str = "/admin/") -> str:
    """The session's CSRF token, read from a page as a browser would."""
    page = await client.get(path)
    assert page.status_code == 200, page.text[:500]
    return csrf_of(page.text)


async def sign_in(
    client: AppClient, username: str, password: str = PASSWORD, next_url: str = ""
) -> httpx.Response:
    """Fill in and submit the sign-in form."""
    token = csrf_of((await client.get("/admin/login")).text)
    form = {"csrf_token": token, "username": username, "password": password, "next": next_url}
    return await client.post("/admin/login", data=form)


async def post_form(
    client: AppClient, path: str, data: Mapping[str, Any], *, page: str = "/admin/"
) -> httpx.Response:
    """POST a console form with the session's CSRF token."""
    return await client.post(path, data={"csrf_token": await csrf(client, page), **data})


@dataclass(frozen=True)
class Units:
    """The default tree: the branch and its three Party groups."""

    branch: int
    groups: list[int]


async def default_units(client: AppClient) -> Units:
    """Create (or find) the default organisation tree."""
    async with client.sessions() as session:
        branch = await org_unit_service.ensure_default_tree(session)
        groups = (
            await session.exec(
                select(OrgUnit.id)
                .where(OrgUnit.kind == OrgUnitKind.GROUP.value)
                .order_by(col(OrgUnit.sort_order))
            )
        ).all()
        await session.commit()
        assert branch.id is not None
        return Units(branch.id, [int(g) for g in groups if g is not None])


async def add_user(
    client: AppClient, username: str, role: AdminRole, unit_id: int | None = None
) -> int:
    """A console user with the test password."""
    async with client.sessions() as session:
        user = await admin_service.create_user(
            session,
            username=username,
            display_name=f"{username} 同志",
            password=PASSWORD,
            role=role,
            org_unit_id=unit_id,
            actor=audit.SYSTEM,
        )
        await session.commit()
        assert user.id is not None
        return user.id


async def add_person(
    client: AppClient, employee_no: str, name: str, unit_id: int | None, **fields: Any
) -> int:
    """A person on the roster, created through the service."""
    async with client.sessions() as session:
        data = PersonCreate(employee_no=employee_no, name=name, org_unit_id=unit_id, **fields)
        person = await people_service.create(session, data=data, actor=audit.SYSTEM)
        await session.commit()
        assert person.id is not None
        return person.id


async def get_person(client: AppClient, person_id: int) -> Person | None:
    """The person as stored now."""
    async with client.sessions() as session:
        return await session.get(Person, person_id)


async def audit_entries(client: AppClient, action: str) -> list[Any]:
    """The audit entries of one action, newest first."""
    async with client.sessions() as session:
        return await audit.recent(session, action_prefix=action)


async def admin_console(client: AppClient) -> int:
    """Sign in as a fresh admin; return the admin's user id."""
    user_id = await add_user(client, "admin", AdminRole.ADMIN)
    response = await sign_in(client, "admin")
    assert response.status_code == 303, response.text[:500]
    return user_id


def second_browser(client: AppClient) -> AppClient:
    """Another client (its own cookies) on the same app."""
    return AppClient(client.app)
