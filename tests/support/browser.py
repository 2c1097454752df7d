"""What the real-browser tests share: Debian's Chromium and a real dev server in a subprocess.

One Chromium per worker (`browser`, session-scoped), a fresh context per test (`new_context`,
`page`). It is Playwright's async API on the suite's session event loop: the sync API would
have to live as long as the browser, and between its calls it marks its own event loop as
running in this thread, which stops pytest-asyncio from running any async test after it.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Never `playwright install`: the registries cannot serve a browser; Debian's Chromium it is.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_or_skip() -> str:
    """Debian's Chromium, or skip (fail with CI=true) when it is not installed."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{CHROMIUM} not found: CI runs the browser tests "
            "(apt-get install -y chromium fonts-wqy-microhei)",
            pytrace=False,
        )
    pytest.skip(
        "Chromium not installed (apt-get install chromium fonts-wqy-microhei); browser test skipped"
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium (or a skip / a CI failure); servers depend on it to start only then."""
    return chromium_or_skip()


@pytest.fixture(scope="session")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """One Chromium for the worker's whole run."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


NewContext = Callable[..., Awaitable["BrowserContext"]]


@pytest.fixture
async def new_context(browser: Browser) -> AsyncIterator[NewContext]:
    """Make fresh browser contexts (own cookies: a new person), zh-CN unless told; closed after."""
    contexts: list[BrowserContext] = []

    async def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "zh-CN")
        context = await browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_context: NewContext) -> Page:
    """A desktop page (1280×800, zh-CN) in a context of its own; set_viewport_size to change."""
    context = await new_context(viewport={"width": 1280, "height": 800})
    return await context.new_page()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# How long a dev server may take to answer /healthz. Importing app.main alone is ~6 s of CPU;
# with the other worker busy on a shared two-core machine, 20 s was missed (a setup error).
STARTUP_SECONDS = 60


def _wait_healthy(proc: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server not healthy within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


@functools.cache
def _migrated_database() -> Path:
    """A SQLite database migrated once per worker (`shente db upgrade`); each server gets a copy."""
    folder = Path(tempfile.mkdtemp(prefix="shente-browser-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    env = {**os.environ, "APP_ENV": "dev", "DATABASE_URL": f"sqlite:///{folder}/template.db"}
    env.update({"REDIS_URL": "", "LOG_LEVEL": "WARNING"})
    subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder / "template.db"


def migrated_copy(tmp: Path) -> str:
    """A migrated SQLite database at tmp/t.db (a copy of the worker's); return its URL."""
    shutil.copyfile(_migrated_database(), tmp / "t.db")
    return f"sqlite:///{tmp}/t.db"


def demo_database(tmp: Path) -> None:
    """A migrated database with the demo data (`shente seed-demo`) where dev_server() serves it."""
    env = {**os.environ, "APP_ENV": "dev", "DATABASE_URL": migrated_copy(tmp), "REDIS_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "seed-demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextmanager
def dev_server(tmp: Path, **env_overrides: str) -> Iterator[str]:
    """Migrate a fresh SQLite database, serve app.main:app (APP_ENV=dev); yield its base URL.

    The server is always terminated and reaped, also when the test fails.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "dev",
        "DATABASE_URL": f"sqlite:///{tmp}/t.db",
        "REDIS_URL": "",
        "PUBLIC_BASE_URL": base,
        "LOG_LEVEL": "WARNING",
        # CI may run at night in China: the browser tests must not wait for 07:30.
        "QUIET_HOURS": "off",
        **env_overrides,
    }
    if not (tmp / "t.db").exists():  # a test may have prepared (migrated, seeded) its own
        migrated_copy(tmp)
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--log-level",
                "warning",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(proc, base, log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
