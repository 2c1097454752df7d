"""The edge in production: closed docs and metrics, HSTS, and bodies refused before reading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from app.models import AdminRole
from tests.support.app import AppClient, MakeClient
from tests.support.console import add_user, sign_in

PROD = {
    "app_env": "prod",
    "secret_key": "k" * 40,
    "wechat_app_secret": "s" * 32,
    "admin_password": "a long admin password",
}


async def _prod(make_client: MakeClient, **overrides: Any) -> AppClient:
    app = (await make_client(**PROD, **overrides)).app
    return AppClient(app, base_url="https://test")  # the session cookie is HTTPS-only


async def test_production_docs_need_a_console_session(make_client: MakeClient) -> None:
    """/docs and /openapi.json answer 401 to strangers, and work for a signed-in user."""
    client = await _prod(make_client)
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert (await client.get(path)).status_code in (401, 404), path
    await add_user(client, "viewer6", AdminRole.VIEWER)
    assert (await sign_in(client, "viewer6")).status_code == 303
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "神特党建"
    assert "swagger" in (await client.get("/docs")).text.lower()


async def test_production_metrics_need_the_token(make_client: MakeClient) -> None:
    """Without METRICS_TOKEN production has no /metrics; with it, only the bearer gets in."""
    closed = await _prod(make_client)
    assert (await closed.get("/metrics")).status_code == 404
    guarded = await _prod(make_client, metrics_token="m" * 32)
    assert (await guarded.get("/metrics")).status_code == 401
    wrong = await guarded.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = await guarded.get("/metrics", headers={"Authorization": f"Bearer {'m' * 32}"})
    assert right.status_code == 200 and "http_request" in right.text


async def test_production_answers_carry_hsts(make_client: MakeClient, client: AppClient) -> None:
    """Every answer in production tells browsers to stay on HTTPS; dev says nothing of it."""
    prod = await _prod(make_client)
    for path in ("/healthz", "/admin/login"):
        hsts = (await prod.get(path)).headers.get("strict-transport-security", "")
        assert hsts.startswith("max-age=31536000"), path
    assert "strict-transport-security" not in (await client.get("/healthz")).headers


class Body:
    """A request body that records how much of it the server pulled."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks, self.size, self.read = chunks, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.read += 1
            yield b"x" * self.size


async def test_oversized_sign_in_post_is_refused_unread(client: AppClient) -> None:
    """300 MB announced to /admin/login: 413 at once, not one chunk read."""
    body = Body(chunks=300 * 16)
    headers = {"Content-Length": str(300 * 1024 * 1024), "Content-Type": "multipart/form-data"}
    response = await client.post("/admin/login", content=body, headers=headers)
    assert response.status_code == 413
    assert body.read == 0


async def test_oversized_streamed_bodies_are_cut_off(make_client: MakeClient) -> None:
    """A chunked body is refused as soon as it passes the limit, wherever it is sent."""
    client = await make_client(max_request_body_bytes=256 * 1024)
    form = "application/x-www-form-urlencoded"
    for path, cut_after in (("/admin/login", 1), ("/api/v1/people", 5)):
        body = Body(chunks=1000)
        response = await client.post(path, content=body, headers={"Content-Type": form})
        assert response.status_code == 413, path
        assert body.read <= cut_after, (path, body.read)
    small = await client.post("/api/v1/people", content=b"{}", headers={"Content-Type": "x/y"})
    assert small.status_code == 401  # under the limit: on to the route (which wants a token)
