"""Temporary media a member "sent": registered in a test's sandbox for media/get to serve.

`await send_media(sandbox_app, JPEG)` PUTs the bytes to /_sandbox/media/<media_id> as the
dev tools do, and returns the media_id a message from the member would carry. The sandbox app
is the `sandbox` fixture in tests/wechat, or `client.sandbox_app` on an AppClient.
"""

from __future__ import annotations

import secrets

import httpx
from fastapi import FastAPI

# The start of a JPEG (SOI and a JFIF APP0 segment), then bytes of every value.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256))


async def send_media(
    sandbox: FastAPI,
    content: bytes = JPEG,
    content_type: str = "image/jpeg",
    *,
    media_id: str | None = None,
) -> str:
    """Register a media item in the sandbox; its media_id (a fresh one unless given)."""
    media_id = media_id or secrets.token_urlsafe(48)
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        response = await http.put(
            f"/_sandbox/media/{media_id}", content=content, headers={"content-type": content_type}
        )
    response.raise_for_status()
    return media_id
