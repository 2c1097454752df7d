"""The dev app for the real-browser tests, served by uvicorn in a thread of the test process.

A subprocess (`python -m uvicorn app.main:app`) imported the app again, ~3.5 s of CPU per
server, as did `shente seed-demo` and `shente db upgrade`; here the modules the suite has
already imported do that work. The server has an event loop of its own, in its thread: the
fixtures seed its database with `asyncio.run` while it is up, when the session loop (where
Playwright's calls wait) is not running and a server on it would not answer.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import gc
import math
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.dev.demo import seed
from app.main import create_app
from tests.support.plugin import migrate

# How long a server may take to start or to stop: start-up creates the first admin and the
# organisation tree, shutdown gives the senders the reply budget; a busy two-core machine
# stretches both.
STARTUP_SECONDS = 60
SHUTDOWN_SECONDS = 30


def dev_settings(database_url: str, **values: Any) -> Settings:
    """Settings as `shente` reads them with APP_ENV=dev and these variables (never .env)."""
    unknown = sorted(name for name in values if name not in Settings.model_fields)
    assert not unknown, f"not settings: {unknown}"  # a typo must not pass as a default
    return Settings(_env_file=None, app_env="dev", database_url=database_url, **values)


@functools.cache
def _migrated_database() -> Path:
    """A SQLite database migrated once per worker (the real migrations); each server a copy."""
    folder = Path(tempfile.mkdtemp(prefix="shente-browser-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    migrate(f"sqlite:///{folder}/template.db")
    return folder / "template.db"


def migrated_copy(tmp: Path) -> str:
    """A migrated SQLite database at tmp/t.db (a copy of the worker's); return its URL."""
    shutil.copyfile(_migrated_database(), tmp / "t.db")
    return f"sqlite:///{tmp}/t.db"


@functools.cache
def _demo_database() -> Path:
    """The migrated database with the demo data (what `shente seed-demo` loads), once per worker."""
    # Seeding is seconds of CPU and two test modules want it. Its dates are relative to the
    # time it runs; a copy made minutes later is as good (the seed's engine is disposed, so
    # the write-ahead log is merged into the file copied).
    path = _migrated_database().with_name("demo.db")
    shutil.copyfile(_migrated_database(), path)
    asyncio.run(seed(dev_settings(f"sqlite:///{path}")))
    return path


def demo_database(tmp: Path) -> None:
    """A migrated database with the demo data at tmp/t.db (a copy of the worker's)."""
    shutil.copyfile(_demo_database(), tmp / "t.db")


class _ServerThread(threading.Thread):
    """uvicorn serving one app on an open socket; what stopped it, if anything did, kept."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        super().__init__(name="dev-server", daemon=True)  # a hung server must not hold the run
        self.server, self.sock = server, sock
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # a failed start-up is sys.exit() in uvicorn
            self.error = exc

    def wait_started(self) -> None:
        for _ in range(STARTUP_SECONDS * 20):
            if self.server.started:
                return
            if not self.is_alive():
                pytest.fail(f"server stopped before it started: {self.error!r} (captured log)")
            self.join(0.05)
        pytest.fail(f"server not started within {STARTUP_SECONDS} s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(SHUTDOWN_SECONDS)
        if self.is_alive():  # connections still open: drop them, as a second Ctrl-C would
            self.server.force_exit = True
            self.join(SHUTDOWN_SECONDS)


@contextmanager
def dev_server(tmp: Path, **env_overrides: str) -> Iterator[str]:
    """Serve the dev app (APP_ENV=dev) on tmp/t.db, migrated unless it is there; its base URL.

    `env_overrides` are environment variables (ADMIN_USERNAME=…). The server is always stopped,
    its scheduler and senders with it, also when the test fails.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with _serving(tmp, sock, base, env_overrides):
            yield base


@contextmanager
def _serving(
    tmp: Path, sock: socket.socket, base: str, env_overrides: dict[str, str]
) -> Iterator[None]:
    """Serve the app on the socket until the block ends; the collector's tuning undone after."""
    if not (tmp / "t.db").exists():  # a test may have prepared (migrated, seeded) its own
        migrated_copy(tmp)
    settings = dev_settings(
        f"sqlite:///{tmp}/t.db",
        redis_url=None,
        public_base_url=base,
        log_level="WARNING",
        # CI may run at night in China: the browser tests must not wait for 07:30.
        quiet_hours="off",
        **{name.lower(): value for name, value in env_overrides.items()},
    )
    config = uvicorn.Config(
        create_app(settings),
        lifespan="on",
        log_level="warning",
        log_config=None,  # uvicorn's lines go to the test's log, not a logging set-up of its own
        access_log=False,
        timeout_graceful_shutdown=math.ceil(settings.wechat_reply_budget_seconds) + 1,
    )
    # The app's start-up tunes the garbage collector for a server process; this is the tests'.
    thresholds = gc.get_threshold()
    thread = _ServerThread(uvicorn.Server(config), sock)
    thread.start()
    try:
        thread.wait_started()
        httpx.get(f"{base}/healthz", timeout=10).raise_for_status()
        yield
    finally:
        thread.stop()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        if thread.is_alive():
            pytest.fail(f"server still running {2 * SHUTDOWN_SECONDS} s after it was stopped")
