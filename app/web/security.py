"""CSRF protection for server-rendered forms: a per-session token, checked on every POST."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request

CSRF_FIELD = "csrf_token"  # the hidden form field
CSRF_SESSION_KEY = "csrf_token"  # where the session keeps the expected value
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FIELDS = 100  # the largest console form has about 15
MAX_FILES = 21  # a newsletter issue: its cover and up to 20 photos for the body


class CsrfError(Exception):
    """A state-changing request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (before sign-in too, for the login form)."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


@pass_context
def csrf_field(context: Any) -> Markup:
    """The hidden input every form carries: `{{ csrf_field() }}` in a template."""
    token = csrf_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form token does not match the session's (constant time)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_SESSION_KEY)
    try:
        # The first read of the form: Starlette keeps it, with these limits, for the handler.
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    except Exception as exc:  # a malformed body is as good as no token
        raise CsrfError("表单无法读取") from exc
    sent = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(sent, str):
        raise CsrfError("缺少安全令牌")
    if not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfError("安全令牌不匹配")
