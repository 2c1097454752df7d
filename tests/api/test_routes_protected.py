"""No route under /api/v1/ or /admin/ answers without credentials; a viewer writes nothing.

The routes are found by walking the app, so a route added later is checked without anyone
remembering to add it here. The only exceptions are listed below, by path and method.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from app.web.templating import STATIC_DIR
from tests.api.routes import Endpoint, walk

# Routes anyone may call: signing in, and the console's static assets (any StaticFiles mount).
PUBLIC = {("/admin/login", "GET"), ("/admin/login", "POST")}
# Non-GETs a viewer may make: ending their own session; the roster's, 岗位建功 and 考核 downloads,
# POSTs only to carry their CSRF token (an export is a read, audited, as GET /api/v1/people/export).
VIEWER_MAY = {
    ("/admin/logout", "POST"),
    ("/admin/people/export", "POST"),
    ("/admin/contributions/export", "POST"),
    ("/admin/assessments/periods/{period_id:int}/export", "POST"),
}
SAFE = {"GET", "HEAD", "OPTIONS"}
LOGIN_REDIRECT = {301, 302, 303, 307}


def _guarded(endpoint: Endpoint) -> bool:
    path = endpoint.path
    return path.startswith("/api/v1/") or path == "/admin" or path.startswith("/admin/")


async def _console_csrf(client: httpx.AsyncClient) -> dict[str, str]:
    """A valid CSRF form field for an anonymous session, so that a POST is judged on rights."""
    page = await client.get("/admin/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return {"csrf_token": match.group(1)} if match else {}


def _anonymous_problem(endpoint: Endpoint, method: str, response: httpx.Response) -> str | None:
    if endpoint.path.startswith("/api/"):
        ok = response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    else:
        location = response.headers.get("location", "")
        redirect = response.status_code in LOGIN_REDIRECT and "/admin/login" in location
        ok = response.status_code == 401 or redirect
    return None if ok else f"{method} {endpoint.path} without credentials: {response.status_code}"


async def test_every_route_requires_credentials_and_viewers_cannot_write(api, users):
    app = api.app
    endpoints = [e for e in walk(app.router.routes) if _guarded(e)]
    print("\nchecked routes:", *(f"{sorted(e.methods)} {e.path}" for e in endpoints), sep="\n  ")
    found = {e.path for e in endpoints}
    # The walker must see the API, or this test would pass with nothing checked.
    assert {"/api/v1/me", "/api/v1/people", "/api/v1/people/{person_id:int}"} <= found

    transport = httpx.ASGITransport(app=app)
    problems: list[str] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as anonymous:
        # The anonymous session's token, read once: a login page before every POST was most of
        # the time. Signing out clears the session, so the token is read afresh after it.
        token: dict[str, str] = {}

        async def token_kept() -> None:
            """Nothing since the token was read changed it: no 403 above was CSRF's."""
            if token:
                assert await _console_csrf(anonymous) == token

        async def send(endpoint: Endpoint, method: str, **kwargs: Any) -> httpx.Response:
            form = None
            if method not in SAFE and endpoint.path.startswith("/admin"):
                if endpoint.path == "/admin/logout":
                    await token_kept()  # the last request of this session
                token.update(token or await _console_csrf(anonymous))
                form = dict(token)
            response = await anonymous.request(method, endpoint.url(), data=form, **kwargs)
            if endpoint.path == "/admin/logout":
                token.clear()
            return response

        for endpoint in endpoints:
            if endpoint.static:
                continue
            for method in sorted(endpoint.methods):
                if (endpoint.path, method) not in PUBLIC:
                    problem = _anonymous_problem(endpoint, method, await send(endpoint, method))
                    problems += [problem] if problem else []
                if method in SAFE or (endpoint.path, method) in VIEWER_MAY | PUBLIC:
                    continue
                response = await send(endpoint, method, headers=users.viewer)
                if response.status_code != 403:
                    problems.append(f"{method} {endpoint.path} as viewer: {response.status_code}")
        await token_kept()
    assert not problems, "\n".join(problems)


def test_walker_sees_included_routers_and_mounts():
    inner = APIRouter(prefix="/inner")
    inner.add_api_route("/{item_id:int}", lambda item_id: None, methods=["DELETE"])
    outer = APIRouter(prefix="/outer")
    outer.include_router(inner)
    outer.add_api_route("/", lambda: None, methods=["GET", "POST"])
    sub = FastAPI()
    sub.include_router(outer)
    app = FastAPI()
    app.include_router(outer, prefix="/api/v1")
    app.mount("/admin", sub)
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR))

    found = {(e.path, m, e.static) for e in walk(app.router.routes) for m in e.methods}
    assert {
        ("/api/v1/outer/inner/{item_id:int}", "DELETE", False),
        ("/api/v1/outer/", "POST", False),
        ("/admin/outer/inner/{item_id:int}", "DELETE", False),
        ("/admin/static", "GET", True),
    } <= found
    assert Endpoint("/a/{x:int}/b/{y}", frozenset()).url() == "/a/1/b/1"
