"""SIGTERM to a serving instance (a deploy, a rolling restart): the callback in flight is answered.

`shente serve` runs as a real process on PostgreSQL, with one worker or two; the test holds a
lock that keeps one callback's insert waiting, sends SIGTERM, then lets it go: WeChat still gets
the answer, and no new connection is taken meanwhile.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support.app import AppClient
from tests.support.commands import Shente, shente_env, start_shente
from tests.support.ports import free_port
from tests.support.wechat_peer import WeChatPeer, random_openid

pytestmark = pytest.mark.postgres_only


async def _until_serving(http: httpx.AsyncClient, proc: Shente) -> None:
    async with asyncio.timeout(60):
        while True:
            assert proc.returncode is None, "the server did not start"
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def _waiting_on_a_lock(client: AppClient) -> None:
    """Until a statement of the server waits for the test's lock (the callback is in flight)."""
    async with asyncio.timeout(10):
        while True:
            async with client.state.engine.connect() as conn:
                waiting = (
                    await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
                ).scalar_one()
            if waiting:
                return
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_lets_the_callback_in_flight_answer(
    make_client: Callable[..., Any], peer: WeChatPeer, workers: int
) -> None:
    client: AppClient = await make_client()
    port = free_port()
    env = shente_env(client, "http://127.0.0.1:9") | {
        "WECHAT_TOKEN": peer.token,
        "WECHAT_ENCODING_AES_KEY": peer.aes_key,
        "WECHAT_MESSAGE_MODE": "safe",
        # Two: the supervisor hands SIGTERM on to workers that each listen on their own socket.
        "WEB_CONCURRENCY": str(workers),
    }
    proc = start_shente(env, "serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=15) as http:
            await _until_serving(http, proc)
            params, body = peer.request(peer.text(random_openid(), "帮助"), "safe")
            async with client.state.engine.connect() as lock:
                # Reads go on; the callback's insert of the message waits for this lock.
                await lock.execute(text("LOCK TABLE inbound_message IN EXCLUSIVE MODE"))
                callback = asyncio.create_task(http.post("/wechat", params=params, content=body))
                await _waiting_on_a_lock(client)
                proc.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.5)
                assert proc.returncode is None  # it waits for the callback in flight…
                with pytest.raises(httpx.TransportError):  # …and takes no new requests
                    async with httpx.AsyncClient(base_url=base, timeout=2) as fresh:
                        await fresh.get("/healthz")
                await lock.rollback()  # the lock goes: the callback completes
            response = await callback
        assert response.status_code == 200
        assert "帮助" in peer.open_reply(response.text).get("Content", "")
        stopped = time.monotonic()
        await asyncio.wait_for(proc.wait(), 15)
        # uvicorn re-raises the signal it caught once it has shut down cleanly.
        assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
        assert time.monotonic() - stopped < 10
    finally:
        await proc.reap()
