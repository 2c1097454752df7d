"""What the console benchmarks share: a scratch PostgreSQL database, bulk seeding, the app served
by uvicorn as in production, and an admin signed in. Used by bench/figures.py and reports.py."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

BATCH = 5_000


@dataclass(frozen=True)
class Console:
    """A migrated scratch database and the environment the app is served with."""

    database_url: str
    env: dict[str, str]
    port: int

    @property
    def base(self) -> str:
        """The served app's base URL."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def scratch(prefix: str, admin: str, password: str) -> Iterator[Console]:
    """A fresh, migrated database (dropped at the end) and the app's environment for it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    port = free_port()
    env = {
        **os.environ, "APP_ENV": "dev", "DATABASE_URL": url, "REDIS_URL": "",
        "ADMIN_USERNAME": admin, "ADMIN_PASSWORD": password, "LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    try:
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True
        )
        yield Console(url, env, port)
    finally:
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def served(console: Console) -> Iterator[int]:
    """The app served by uvicorn (one process), healthy; yields the server's pid."""
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(console.port),
         "--log-level", "warning"],
        cwd=ROOT, env=console.env,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{console.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def signed_in(
    console: Console, admin: str, password: str, timeout: float
) -> Iterator[httpx.Client]:
    """An HTTP client signed in to the console as the admin."""
    with httpx.Client(base_url=console.base, timeout=timeout) as http:
        found = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/admin/login").text)
        assert found, "no CSRF token on the sign-in page"
        form = {"csrf_token": found.group(1), "username": admin, "password": password, "next": ""}
        assert http.post("/admin/login", data=form).status_code == 303, "sign-in failed"
        yield http


async def insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows by bulk insert, in batches."""
    for start in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[start : start + BATCH])


def complete(model: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every column the model defaults in Python (Core inserts skip those)."""
    return [model(**row).model_dump(exclude={"id"}) for row in rows]
