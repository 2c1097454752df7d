"""The REST API's test set-up: an app with /api/v1, and an admin, a secretary and a viewer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from app.db import unit_of_work
from app.models import AdminRole, OrgUnit
from app.services import audit
from app.services.accounts import admins as admin_service
from app.services.people import org_units as org_unit_service
from tests.support.app import AppClient

PASSWORD = "correct horse battery"
# The production hasher costs ~200 ms a hash; three users per test would dominate the run.
_cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

Headers = dict[str, str]


def api_wired(app: FastAPI) -> bool:
    """Whether create_app already serves /api/v1."""
    return any(
        (context.path or "").startswith("/api/v1/")
        for context in iter_route_contexts(app.router.routes)
    )


@dataclass(frozen=True)
class Users:
    """Bearer headers per role, and the units the secretary does and does not cover."""

    admin: Headers
    secretary: Headers
    viewer: Headers
    admin_id: int
    secretary_id: int
    viewer_id: int
    branch_id: int
    group_id: int  # 第一党小组: the secretary's unit
    other_group_id: int  # 第二党小组: outside the secretary's scope


@pytest.fixture
async def api(make_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> AppClient:
    """A client for the app, with the API wired in."""
    monkeypatch.setattr(admin_service, "hash_password", _cheap.hash)
    client: AppClient = await make_client()
    return client


async def create_users(app: FastAPI) -> Users:
    """The default tree, and one console user with an API token per role."""
    async with unit_of_work(app.state.sessions) as session:
        branch = await org_unit_service.ensure_default_tree(session)
        by_name = {unit.name: unit for unit in await org_unit_service.all_units(session)}
        group, other = by_name["第一党小组"], by_name["第二党小组"]
        headers: dict[AdminRole, tuple[int, Headers]] = {}
        for role, unit in (
            (AdminRole.ADMIN, None),
            (AdminRole.SECRETARY, group),
            (AdminRole.VIEWER, None),
        ):
            user = await admin_service.create_user(
                session,
                username=f"{role.value}-user",
                display_name=role.label,
                password=PASSWORD,
                role=role,
                org_unit_id=unit.id if isinstance(unit, OrgUnit) else None,
                actor=audit.SYSTEM,
            )
            token, _ = await admin_service.create_api_token(
                session, user=user, name="tests", actor=audit.SYSTEM
            )
            assert user.id is not None
            headers[role] = (user.id, {"Authorization": f"Bearer {token}"})
    assert branch.id is not None and group.id is not None and other.id is not None
    return Users(
        admin=headers[AdminRole.ADMIN][1],
        secretary=headers[AdminRole.SECRETARY][1],
        viewer=headers[AdminRole.VIEWER][1],
        admin_id=headers[AdminRole.ADMIN][0],
        secretary_id=headers[AdminRole.SECRETARY][0],
        viewer_id=headers[AdminRole.VIEWER][0],
        branch_id=branch.id,
        group_id=group.id,
        other_group_id=other.id,
    )


@pytest.fixture
async def users(api: AppClient) -> Users:
    """An admin, a secretary of 第一党小组 and a viewer, each with a bearer token."""
    return await create_users(api.app)


async def new_person(
    api: AppClient, headers: Headers, employee_no: str, **fields: Any
) -> dict[str, Any]:
    """Add a person through the API and return what it answered."""
    body = {"employee_no": employee_no, "name": f"测试{employee_no}", **fields}
    response = await api.post("/api/v1/people", json=body, headers=headers)
    assert response.status_code == 201, response.text
    person: dict[str, Any] = response.json()
    return person


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the API's error shape with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error
