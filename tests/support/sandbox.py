"""For the sandbox's own tests (tests/dev/sandbox): its config, clock, client and a WeChat caller.

`Wx` calls the sandbox as an outbound WeChat client does. The fixtures that use these are in
tests/dev/sandbox/conftest.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from app.dev.sandbox import SandboxConfig
from app.dev.sandbox.rules import CHINA_TZ

APP_ID = "wx0123456789abcdef"
APP_SECRET = "sandbox-secret"
TOKEN = "callbacktoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--not-a-boundary\r\n"
# 10:00 on a mid-month weekday in China, so day and month edges are a deliberate step away.
START = datetime(2025, 6, 16, 10, 0, tzinfo=CHINA_TZ).timestamp()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_config(clock: FakeClock, **overrides: Any) -> SandboxConfig:
    """A service-account config on the fake clock."""
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "clock": clock,
    }
    values.update(overrides)
    return SandboxConfig(**values)


class Wx:
    """Calls the sandbox like an outbound WeChat client, fetching the token once."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.access_token: str | None = None

    async def token(self) -> str:
        response = await self.client.get(
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
        )
        self.access_token = str(response.json()["access_token"])
        return self.access_token

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """Call with the cached token; like a real client, refetch once when it has died."""
        for attempt in range(2):
            token = self.access_token or await self.token()
            response = await self.client.request(
                method, path, params={"access_token": token, **params}, json=body
            )
            result = response.json()
            if attempt == 0 and result.get("errcode") in {40001, 42001}:
                self.access_token = None
                continue
            return result
        raise AssertionError("unreachable")

    async def post(self, path: str, body: Any, **params: Any) -> dict[str, Any]:
        return dict(await self.call("POST", path, body, **params))

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        return dict(await self.call("GET", path, **params))

    async def upload(
        self, kind: str = "image", filename: str = "thumb.png", content: bytes = PNG
    ) -> dict[str, Any]:
        """Upload a permanent material as multipart field `media`."""
        token = self.access_token or await self.token()
        response = await self.client.post(
            "/cgi-bin/material/add_material",
            params={"access_token": token, "type": kind},
            files={"media": (filename, content, "image/png")},
        )
        return dict(response.json())

    async def draft(self, title: str = "《神特组宣》第7期") -> str:
        """Upload a thumbnail and create a one-article draft; return its media_id."""
        thumb = (await self.upload())["media_id"]
        article = {
            "title": title,
            "author": "党群部",
            "digest": "本期要点",
            "content": "<p>正文</p>",
            "content_source_url": "https://example.com/n/7",
            "thumb_media_id": thumb,
        }
        return str((await self.post("/cgi-bin/draft/add", {"articles": [article]}))["media_id"])


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    """An in-process client for an app."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", **kwargs
    )
