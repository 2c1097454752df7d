"""Two OS processes, twenty callers each, a token at expiry: WeChat sees exactly one fetch."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.dev.sandbox import SandboxConfig, create_sandbox_app
from app.dev.sandbox.server import serve_in_background
from app.models.types import utcnow
from app.wechat.client import WeChatClient
from app.wechat.token_stores import RedisTokenStore
from app.wechat.tokens import StoredToken, TokenStore
from tests.support.commands import Shente, start_module
from tests.support.plugin import Backend
from tests.support.tokens import APP_ID, APP_SECRET

# Processes share the token through the database's locks (or Redis).
pytestmark = pytest.mark.both_databases


WORKERS = 2
WORKER = "tests.wechat.token_race_worker"


async def _wait_for(paths: list[Path], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, "a worker never got ready"
        await asyncio.sleep(0.01)


async def test_two_processes_fetch_once(
    backend: Backend, kind: str, store: TokenStore, tmp_path: Path
) -> None:
    config = SandboxConfig(
        app_id=APP_ID, app_secret=APP_SECRET, token="callbacktoken", encoding_aes_key=None
    )
    sandbox = create_sandbox_app(config)
    state = sandbox.state.sandbox
    name = f"access_token:{APP_ID}"
    env = dict(os.environ)
    async with serve_in_background(sandbox) as base_url:
        seeder = WeChatClient(
            base_url=base_url, app_id=APP_ID, app_secret=APP_SECRET, token_store=store
        )
        old = await seeder.tokens.get()
        await seeder.aclose()
        # The shared token has one minute left; the sandbox agrees, so it will renew it.
        await store.write(name, StoredToken(old, utcnow() + timedelta(seconds=60)))
        state.advance(7200 - 60)

        prefix = store.prefix if isinstance(store, RedisTokenStore) else ""
        procs: list[Shente] = []
        specs: list[dict[str, Any]] = []
        for i in range(WORKERS):
            spec = {
                "kind": kind,
                "database_url": backend.database_url,
                "redis_url": backend.redis_url,
                "redis_prefix": prefix,
                "base_url": base_url,
                "app_id": APP_ID,
                "app_secret": APP_SECRET,
                "ready": str(tmp_path / f"ready-{i}"),
                "go": str(tmp_path / "go"),
                "out": str(tmp_path / f"out-{i}.json"),
            }
            spec_path = tmp_path / f"spec-{i}.json"
            spec_path.write_text(json.dumps(spec))
            specs.append(spec)
        try:
            # Each a process of its own, forked from the worker's fork server (no imports).
            for i in range(WORKERS):
                procs.append(start_module(env, WORKER, str(tmp_path / f"spec-{i}.json")))
            await _wait_for([Path(s["ready"]) for s in specs], 20)
            (tmp_path / "go").touch()
            outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 30)
        finally:
            for proc in procs:  # always reap, even when the test failed half-way
                await proc.reap()
        for proc, output in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, output

    results = [json.loads(Path(s["out"]).read_text()) for s in specs]
    new = state.current_tokens["stable"]
    assert new != old
    assert [r["calls"] for r in results] == [20] * WORKERS
    assert {r["token"] for r in results} == {new}
    # The seed's fetch and exactly one refresh between the two processes' forty callers.
    assert state.token_fetches["stable_token"] == 2
    assert state.token_fetches["stable_token_force"] == 0
    stored = await store.read(name)
    assert stored is not None and stored.value == new
