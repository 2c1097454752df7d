"""Running the real `shente` command against a test's app: its environment, and one call.

Each command is a process of its own, forked from a server that imported the command once per
worker (multiprocessing's forkserver): a fresh interpreter would spend seconds importing the
app for every command, and a test of a killed or stopped sender still has a process to kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import runpy
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cli.main import main
from app.config import get_settings
from tests.support.app import AppClient

GRACE_SECONDS = 1
# What the fork server imports before it forks: the command, this module (the child's entry
# point) and pytest (the worker's __main__, which every child imports again as __mp_main__).
_PRELOAD = ["app.cli.main", "tests.support.commands", "pytest"]
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(_PRELOAD)
# A child told to wait for a go file gives up after two minutes, so a test killed half-way
# leaves nothing behind.
_GO_DEADLINE = 120


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


@dataclass(frozen=True)
class _Launch:
    """What a forked child runs: `shente` or a module as `python -m`, in what environment."""

    env: dict[str, str]
    args: tuple[str, ...]
    output: str
    module: str | None = None
    go: str | None = None
    new_session: bool = False


def _child(launch: _Launch) -> None:
    """In the forked process: the environment and output file, then the command itself."""
    if launch.new_session:
        os.setsid()
    fd = os.open(launch.output, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.clear()
    os.environ.update(launch.env)
    get_settings.cache_clear()
    if launch.go is not None:
        deadline = time.monotonic() + _GO_DEADLINE
        while not os.path.exists(launch.go):
            if time.monotonic() > deadline:
                sys.exit("never told to go")
            time.sleep(0.005)
    if launch.module is not None:
        sys.argv = [launch.module, *launch.args]
        runpy.run_module(launch.module, run_name="__main__", alter_sys=True)
        return
    sys.argv = ["shente", *launch.args]
    main()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Shente:
    """A running `shente` command (or module): signal it, wait for it, read what it printed."""

    def __init__(
        self,
        env: dict[str, str],
        args: tuple[str, ...],
        *,
        module: str | None = None,
        go: Path | None = None,
        new_session: bool = False,
    ) -> None:
        self._output = tempfile.NamedTemporaryFile(prefix="shente-", suffix=".out")
        launch = _Launch(
            env, args, self._output.name, module, None if go is None else str(go), new_session
        )
        self._process = _FORKS.Process(target=_child, args=(launch,), daemon=False)
        self._process.start()
        self._code: int | None = None

    @property
    def pid(self) -> int:
        """Its process id (the process group's too, when started in a session of its own)."""
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code once it has ended (minus the signal's number if one ended it)."""
        if self._code is None:
            self._code = self._process.exitcode
        return self._code

    def send_signal(self, signum: int) -> None:
        """Send a signal, unless it has already ended."""
        if self.returncode is None and self._process.pid is not None:
            # It may end (and be reaped by the fork server) between the check and the kill.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signum)

    async def wait(self) -> int:
        """Wait for its end without blocking the event loop; its exit code."""
        if self.returncode is None:
            # The fork server writes the exit code to the sentinel when the process ends.
            loop = asyncio.get_running_loop()
            ended = loop.create_future()
            loop.add_reader(self._process.sentinel, _settle, ended)
            try:
                await ended
            finally:
                loop.remove_reader(self._process.sentinel)
        code = self.returncode
        assert code is not None
        return code

    async def communicate(self) -> str:
        """Wait for its end; everything it wrote to stdout and stderr, in order."""
        await self.wait()
        with open(self._output.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    async def reap(self) -> None:
        """Kill it if it still runs, wait for it, and drop its output file."""
        self.send_signal(signal.SIGKILL)
        await self.wait()
        if self._output.closed:
            return
        self._process.close()
        self._output.close()


def start_shente(env: dict[str, str], *args: str, new_session: bool = False) -> Shente:
    """Start a `shente` command, a process of its own (its own session if asked); reap it."""
    return Shente(env, args, new_session=new_session)


def start_module(env: dict[str, str], module: str, *args: str) -> Shente:
    """Start a module as `python -m module args` would, forked like a `shente` command."""
    return Shente(env, args, module=module)


async def run_shente(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a `shente` command to its end (reaped also when it overruns); exit code and output."""
    proc = start_shente(env, *args)
    try:
        out = await asyncio.wait_for(proc.communicate(), 90)
        return int(proc.returncode or 0), out
    finally:
        await proc.reap()


@contextlib.asynccontextmanager
async def shente_ready(
    env: dict[str, str], *args: str
) -> AsyncIterator[Callable[[], Awaitable[tuple[int, str]]]]:
    """A `shente` command started now but run only when the yielded call says go: its start
    falls outside a window the test times (exit code and output, as run_shente)."""
    with tempfile.TemporaryDirectory() as directory:
        go = Path(directory) / "go"
        proc = Shente(env, args, go=go)

        async def run() -> tuple[int, str]:
            go.touch()
            out = await asyncio.wait_for(proc.communicate(), 90)
            return int(proc.returncode or 0), out

        try:
            yield run
        finally:
            await proc.reap()
