"""One error shape under /api/, and only there; a 500 never shows a traceback."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from app.api.errors import install_error_handlers
from tests.support.api import api_wired, assert_error
from tests.support.app import AppClient

WIRING = """app/main.py must wire the API in create_app():
    from app.api import v1 as api_v1
    from app.api.errors import install_error_handlers
    app.include_router(api_v1.router)
    install_error_handlers(app)"""


async def test_create_app_wires_the_api_and_its_errors(make_client):
    client = await make_client()  # exactly what create_app builds
    assert api_wired(client.app), WIRING
    response = await client.get("/api/v1/no-such-thing")
    assert response.json()["error"]["code"] == "not_found", WIRING
    assert_error(await client.get("/api/v1/me"), 401, "unauthorized")


async def test_router_errors_under_api_use_the_schema(api, users):
    assert_error(await api.get("/api/v1/nothing-here", headers=users.admin), 404, "not_found")
    wrong_method = await api.put("/api/v1/people", headers=users.admin)
    assert_error(wrong_method, 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["allow"]
    bad_json = await api.post(
        "/api/v1/people",
        content=b"{not json",
        headers={**users.admin, "content-type": "application/json"},
    )
    assert_error(bad_json, 422, "validation_error")


async def test_other_paths_keep_their_own_format(api):
    response = await api.get("/no-such-page")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


async def test_unhandled_errors_are_500_without_the_traceback(api: AppClient):
    app = api.app

    @app.get("/api/v1/test-boom")
    async def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    @app.get("/test-boom")
    async def boom_elsewhere() -> None:
        raise RuntimeError("secret detail from deep inside")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as raw:
        response = await raw.get("/api/v1/test-boom", headers={"X-Request-ID": "req-42"})
        error = assert_error(response, 500, "internal_error")
        assert error["request_id"] == "req-42" and "secret" not in response.text
        elsewhere = await raw.get("/test-boom")
        assert elsewhere.status_code == 500 and elsewhere.text == "Internal Server Error"


async def test_database_down_is_503(make_client, backend):
    url = (
        "postgresql://postgres@127.0.0.1:1/nowhere"
        if backend.name == "postgresql"
        else "sqlite:////proc/no-such-dir/shente.db"
    )
    client = await make_client(database_url=url)
    transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as raw:
        response = await raw.get("/api/v1/me", headers={"Authorization": "Bearer st_x"})
    assert_error(response, 503, "unavailable")


async def test_handlers_registered_before_stay_in_charge_outside_the_api():
    app = FastAPI()

    async def console_404(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("console page", status_code=404)

    app.add_exception_handler(HTTPException, console_404)
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/admin/missing")).text == "console page"
        assert_error(await client.get("/api/v1/missing"), 404, "not_found")
