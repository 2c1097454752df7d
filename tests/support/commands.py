"""Running the real `shente` command against a test's app: its environment, and one call."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.app import AppClient

SHENTE = Path(sys.executable).with_name("shente")
GRACE_SECONDS = 1
# What the `shente` script runs, once a go file appears (argv: go file, then the command's
# arguments); it gives up after two minutes so a test killed half-way leaves nothing behind.
_READY_SHENTE = """
import sys, time
from pathlib import Path
from app.cli.main import main
go, deadline = Path(sys.argv[1]), time.monotonic() + 120
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.005)
sys.argv = ["shente", *sys.argv[2:]]
sys.exit(main())
"""


def shente_env(client: AppClient, sandbox_url: str) -> dict[str, str]:
    """The environment a `shente` process needs to work on the app's database and a sandbox."""
    settings: Any = client.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "BROADCAST_"))}
    env.update(
        APP_ENV="test",
        DATABASE_URL=settings.database_url,
        WECHAT_API_BASE_URL=sandbox_url,
        WECHAT_APP_ID=settings.wechat_app_id,
        WECHAT_APP_SECRET=settings.wechat_app_secret.get_secret_value(),
        WECHAT_TEMPLATE_NOTICE_ID=settings.wechat_template_notice_id,
        BROADCAST_CONCURRENCY="3",
        BROADCAST_RATE_PER_SECOND="10000",
        BROADCAST_RECEIPT_GRACE_SECONDS=str(GRACE_SECONDS),
        QUIET_HOURS="off",
        LOG_LEVEL="WARNING",
    )
    if settings.redis_url:
        env.update(REDIS_URL=settings.redis_url, REDIS_KEY_PREFIX=settings.redis_key_prefix)
    else:
        env.pop("REDIS_URL", None)
    return env


async def run_shente(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a `shente` command to its end (reaped also when it overruns); exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        str(SHENTE),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return int(proc.returncode or 0), out.decode()


@contextlib.asynccontextmanager
async def shente_ready(
    env: dict[str, str], *args: str
) -> AsyncIterator[Callable[[], Awaitable[tuple[int, str]]]]:
    """A `shente` command started now but run only when the yielded call says go: its seconds
    of imports fall outside a window the test times (exit code and output, as run_shente)."""
    with tempfile.TemporaryDirectory() as directory:
        go = Path(directory) / "go"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _READY_SHENTE,
            str(go),
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )

        async def run() -> tuple[int, str]:
            go.touch()
            out, _ = await asyncio.wait_for(proc.communicate(), 90)
            return int(proc.returncode or 0), out.decode()

        try:
            yield run
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
