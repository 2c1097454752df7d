"""The headers every member page (/m/…) carries: its URL may hold a token that names a person.

No referrer (a link or image on the page must not carry /m/r/<token> or ?t= elsewhere), no
framing, no sniffing, no caching, and a CSP allowing only the page's own styles and scripts
(the member templates use no script; WeChat's JS-SDK is not loaded). Images may come from
https (an issue's cover and pictures live on WeChat's CDN, mmbiz.qpic.cn).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEMBER_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https:; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PREFIX = "/m/"


class MemberPageHeaders:
    """ASGI middleware: MEMBER_HEADERS on every response under /m/ (pages, redirects, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through; a member page's response start gets the headers."""
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in MEMBER_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
