"""The HTTP API's documentation at /docs: Swagger UI served from our own static files.

FastAPI's default page loads Swagger UI from a CDN, which leaves /docs blank on a network
without it; the files are vendored in app/web/static/vendor/ (swagger-ui-dist, see its
LICENSE file there).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor"


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for /openapi.json, with nothing fetched from outside the app."""
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} - API",
        swagger_js_url=f"{root}{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{root}{VENDOR}/swagger-ui-favicon.png",
    )
