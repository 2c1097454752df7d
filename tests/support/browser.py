"""What the real-browser tests share: Debian's Chromium (the server: tests/support/dev_app.py).

One Chromium per worker (`browser`, session-scoped), a fresh context per test (`new_context`,
`page`). It is Playwright's async API on the suite's session event loop: the sync API would
have to live as long as the browser, and between its calls it marks its own event loop as
running in this thread, which stops pytest-asyncio from running any async test after it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    """Make fresh browser contexts (own cookies: a new person), zh-CN and reduced motion unless
    told; closed after."""
    contexts: list[BrowserContext] = []

    async def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "zh-CN")
        # Bootstrap scrolls smoothly to an anchor unless the user asks for less motion, and
        # Playwright waits for a moving button to stop before it clicks (~1 s a click).
        options.setdefault("reduced_motion", "reduce")
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
