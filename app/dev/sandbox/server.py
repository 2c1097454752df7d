"""Serve the sandbox on a real socket: timeout tests, benchmarks, `python -m app.sandbox`."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from app.dev.sandbox.app import create_sandbox_app
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.state import SandboxState


@asynccontextmanager
async def serve_in_background(app: FastAPI, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve an app with uvicorn on a free port of this event loop; yield its base URL.

    httpx ignores timeouts on ASGITransport, so a test of client timeouts needs a real socket.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                await task  # surfaces a start-up failure
            await asyncio.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        state = getattr(app.state, "sandbox", None)
        if isinstance(state, SandboxState):
            state.release_hangs()  # let deliberately hanging calls finish so shutdown is quick
        server.should_exit = True
        await task
        sock.close()


def main() -> None:
    """Serve a standalone sandbox (defaults from the same env vars as the backend)."""
    parser = argparse.ArgumentParser(description="Serve the WeChat sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--app-id", default=os.environ.get("WECHAT_APP_ID", "wxd0000000000sandbox"))
    parser.add_argument(
        "--app-secret", default=os.environ.get("WECHAT_APP_SECRET", "dev-app-secret")
    )
    parser.add_argument("--token", default=os.environ.get("WECHAT_TOKEN", "dev-token"))
    parser.add_argument("--aes-key", default=os.environ.get("WECHAT_ENCODING_AES_KEY") or None)
    parser.add_argument(
        "--account-type",
        choices=["service", "subscription"],
        default=os.environ.get("WECHAT_ACCOUNT_TYPE", "service"),
    )
    parser.add_argument("--callback-url", default="http://127.0.0.1:8000/wechat")
    args = parser.parse_args()
    config = SandboxConfig(
        app_id=args.app_id,
        app_secret=args.app_secret,
        token=args.token,
        encoding_aes_key=args.aes_key,
        account_type=args.account_type,
        callback_url=args.callback_url or None,
    )
    uvicorn.run(create_sandbox_app(config), host=args.host, port=args.port, log_level="warning")
