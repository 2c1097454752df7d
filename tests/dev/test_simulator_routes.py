"""The simulator page exists in dev only; no browser needed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.support.plugin import migrate


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A migrated SQLite database (sync: Alembic runs its own event loop)."""
    url = f"sqlite:///{tmp_path}/t.db"
    migrate(url)
    return url


async def _get(database_url: str, app_env: str, *paths: str) -> list[httpx.Response]:
    settings = Settings(
        _env_file=None, app_env=app_env, database_url=database_url, log_level="WARNING"
    )
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.get(path) for path in paths]
    finally:
        await app.state.wechat.aclose()
        await app.state.engine.dispose()


async def test_dev_page_renders_the_phone(database_url: str) -> None:
    page, script, weui = await _get(
        database_url, "dev", "/dev/", "/dev/static/simulator.js", "/static/vendor/weui.min.css"
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-testid="phone"' in page.text
    assert 'data-testid="menu-bar"' in page.text
    assert "神特党建" in page.text
    assert 'data-sandbox-url="/sandbox/_sandbox"' in page.text
    assert script.status_code == 200
    assert weui.status_code == 200
    assert "Licensed under the MIT license" in weui.text[:300]


async def test_no_simulator_outside_dev(database_url: str) -> None:
    (page,) = await _get(database_url, "test", "/dev/")
    assert page.status_code == 404
