"""Rendering for the console: its templates, flash messages, times in China time, error pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from app.web.security import csrf_field
from app.web.templating import TEMPLATES_DIR

FLASH_KEY = "admin_flash"
# Only our own scripts and styles (vendored: no CDN); no framing; forms post back to us only.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
DEFAULT_TZ = "Asia/Shanghai"

# The console's own environment: its globals and filters stay out of the shared one.
templates = Jinja2Templates(directory=TEMPLATES_DIR)


class ConsoleError(Exception):
    """A page-level refusal, rendered as a calm error page with a way back."""

    status_code = 400
    title = "无法完成操作"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class Forbidden(ConsoleError):
    """The signed-in user may not do this (a viewer writing, a non-admin on admin pages)."""

    status_code = 403
    title = "没有权限"


class NotFound(ConsoleError):
    """No such record, or not within the user's scope (the two look the same on purpose)."""

    status_code = 404
    title = "找不到页面"


class CsrfRejected(Forbidden):
    """The form's CSRF token is missing or wrong (often just a page left open too long)."""

    title = "页面已过期"


class LoginRequired(ConsoleError):
    """Nobody is signed in: send them to the sign-in page and back afterwards."""

    status_code = 302

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def flash(request: Request, message: str, level: str = "success") -> None:
    """Queue a one-time message for the next page (success, warning, danger, info)."""
    queued = list(request.session.get(FLASH_KEY, []))
    queued.append([level, message])
    request.session[FLASH_KEY] = queued[-5:]


@pass_context
def _pop_flashes(context: Any) -> list[list[str]]:
    request: Request = context["request"]
    messages: list[list[str]] = request.session.pop(FLASH_KEY, [])
    return messages


def _zone(request: Request) -> ZoneInfo:
    settings = getattr(request.app.state, "settings", None)
    return ZoneInfo(getattr(settings, "timezone", DEFAULT_TZ))


@pass_context
def _local_time(context: Any, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime as China time for display; empty for none."""
    if moment is None:
        return ""
    return moment.astimezone(_zone(context["request"])).strftime(fmt)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@pass_context
def _url_with(context: Any, **changes: Any) -> str:
    """The current page's URL with some query parameters replaced (pagination, filters)."""
    request: Request = context["request"]
    params = {key: value for key, value in request.query_params.items() if value}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


templates.env.globals.update(csrf_field=csrf_field, pop_flashes=_pop_flashes, url_with=_url_with)
templates.env.filters.update(local_time=_local_time, day=_day)


def today(request: Request) -> date:
    """Today in China time, by the app's clock."""
    now: datetime = request.app.state.clock()
    return now.astimezone(_zone(request)).date()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a console page; `me` (the signed-in user) comes from the auth dependency."""
    values = {"me": getattr(request.state, "console_user", None), **(context or {})}
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with GET (303)."""
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None, default: str = "/admin/") -> str:
    """Only a path inside the console: never another site (no open redirect)."""
    if not value or "\\" in value or any(ord(ch) < 32 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return default
    if value.startswith("//"):
        return default
    return value


def error_page(request: Request, exc: Exception) -> Response:
    """The page for a refusal: 403 (no right, bad CSRF token), 404 (not found or out of scope)."""
    if isinstance(exc, LoginRequired):
        query = urlencode({"next": exc.next_url})
        return RedirectResponse(f"/admin/login?{query}", status_code=302)
    if not isinstance(exc, ConsoleError):  # pragma: no cover - only ConsoleError is registered
        raise exc
    context = {"title": exc.title, "message": exc.message}
    return render(request, "admin/error.html", context, exc.status_code)


async def _handle(request: Request, exc: Exception) -> Response:
    return error_page(request, exc)


def add_error_pages(app: FastAPI) -> None:
    """Register the console's error pages (they are raised only by /admin/ routes)."""
    app.add_exception_handler(ConsoleError, _handle)
