"""Every id in a URL is validated: an id no row can have is a 404 or 422, never a 500."""

from __future__ import annotations

import re

from fastapi.routing import iter_route_contexts

from tests.support.api import create_users
from tests.support.app import AppClient
from tests.support.console import admin_console, csrf

# Just past PostgreSQL's INTEGER, and past a 64-bit integer.
OUT_OF_RANGE = ("2147483648", str(10**20))
_INT_PARAM = re.compile(r"\{[^}:]+:int\}")


def int_id_routes(app: object) -> list[tuple[str, str]]:
    """(method, path) of every console, member and REST route that takes an int id."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        path = context.path or ""
        if path.startswith(("/admin", "/m/", "/api/v1")) and _INT_PARAM.search(path):
            found.extend((m, path) for m in sorted(context.methods or ()) if m != "HEAD")
    return found


async def test_out_of_range_ids_are_404_or_422_on_every_route(console: AppClient) -> None:
    """Signed in as an admin, every route gets each out-of-range id in each of its id slots."""
    await admin_console(console)
    token = await csrf(console)
    api_admin = (await create_users(console.app)).admin  # a bearer token for /api/v1
    routes = int_id_routes(console.app)
    assert len(routes) >= 60  # the console, the member pages and the REST API
    assert ("GET", "/m/n/{issue_id:int}") in routes
    for method, path in routes:
        for value in OUT_OF_RANGE:
            url = _INT_PARAM.sub(value, path)
            if url.startswith("/api/"):
                body: dict[str, object] | None = {} if method in ("POST", "PATCH", "PUT") else None
                response = await console.request(method, url, json=body, headers=api_admin)
            else:
                data = {"csrf_token": token} if method == "POST" else None
                response = await console.request(method, url, data=data)
            assert response.status_code in (404, 422), (method, url, response.status_code)


async def test_member_issue_page_with_huge_id_is_404_anonymously(console: AppClient) -> None:
    """/m/n/<id> is public: an overflow there was a 500 for anyone."""
    for value in (*OUT_OF_RANGE, "9" * 5000, "0", "１２"):
        response = await console.get(f"/m/n/{value}")
        assert response.status_code == 404, value


async def test_page_and_filter_numbers_out_of_range_are_ignored(console: AppClient) -> None:
    """?page= and numeric filters past 32 bits (or in full-width digits) mean "none"."""
    await admin_console(console)
    for path in ("/admin/people", "/admin/messages", "/admin/audit"):
        for value in ("99999999999999999999", "2147483648", "１２", "-5"):
            response = await console.get(path, params={"page": value})
            assert response.status_code == 200, (path, value)
    response = await console.get("/admin/messages", params={"person": str(10**20)})
    assert response.status_code == 200
