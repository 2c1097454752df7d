"""Broadcasts for the fault suite: members bound to following WeChats, one template message each,
counted twice — by the rows in the database and by what the sandbox received.

The set-up reuses bench/broadcast.py's Bench (members in two inserts, a broadcast planned and
stored in one unit of work, the sandbox's per-url delivery matrix) on the private database.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.broadcast import Bench, Children
from bench.callback import ROOT

MEMBERS = 400


@dataclass
class FaultBench(Bench):
    """Bench on the suite's private PostgreSQL instead of the shared one."""

    url: str = ""

    @property
    def database_url(self) -> str:
        return self.url


def new_bench(workdir: Path, members: int = MEMBERS) -> FaultBench:
    """Credentials and the environment every process of the run shares; no database yet."""
    bench = FaultBench(
        args=argparse.Namespace(recipients=members, concurrency=10, latency_ms=20),
        database="shente",
        workdir=workdir,
        children=Children(),
    )
    bench.prepare_env()
    bench.base_env |= {"LOG_LEVEL": "WARNING"}
    return bench


async def prepare(bench: FaultBench, url: str) -> None:
    """Open the private database and add the members (openids land in bench.openids)."""
    bench.url = url
    bench.base_env["DATABASE_URL"] = url
    await bench.open_db()
    await bench.add_members()


def start_sender(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`shente broadcasts resume`, as an operator (or the console's 立即发送) starts one."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "broadcasts", "resume", "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def statuses(bench: FaultBench, broadcast_id: int) -> Counter[str]:
    """Rows by status; a database that is away reads as nothing known."""
    try:
        return await bench.statuses(broadcast_id)
    except Exception:  # the database is restarting: ask again later
        return Counter()


async def wait_progress(bench: FaultBench, broadcast_id: int, fraction: float) -> None:
    """Until at least `fraction` of the members have been sent to (or 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = await statuses(bench, broadcast_id)
        if counts["sent"] >= fraction * len(bench.openids):
            return
        await asyncio.sleep(0.1)


async def wait_done(bench: FaultBench, broadcast_id: int, timeout: float) -> Counter[str]:
    """Until no row is pending, being sent or awaiting its receipt (or `timeout`)."""
    deadline = time.monotonic() + timeout
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        counts = await statuses(bench, broadcast_id)
        if counts and not (counts["pending"] or counts["sending"] or counts["unknown"]):
            return counts
        await asyncio.sleep(0.5)
    return counts


async def deliveries(bench: FaultBench, broadcast_id: int) -> Counter[str]:
    """What the sandbox received for this broadcast, per openid."""
    matrix = await bench.sandbox("/_bench/matrix")
    return Counter(matrix.get(bench.url_of(bench.broadcasts[broadcast_id]), {}))


async def check(bench: FaultBench, broadcast_id: int, counts: Counter[str]) -> dict[str, Any]:
    """The broadcast's figures: members, delivered once, twice, never, and the rows' states."""
    got = await deliveries(bench, broadcast_id)
    members = bench.openids
    return {
        "members": len(members),
        "delivered": sum(got.values()),
        "members once": sum(1 for o in members if got[o] == 1),
        "members twice+": sum(1 for o in members if got[o] > 1),
        "members none": sum(1 for o in members if got[o] == 0),
        "rows": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "—",
    }


def problems(figures: dict[str, Any]) -> list[str]:
    """Exactly once per member, or what went wrong."""
    found = []
    if figures["members twice+"]:
        found.append(f"{figures['members twice+']} member(s) got the broadcast twice or more")
    if figures["members none"]:
        found.append(f"{figures['members none']} member(s) got nothing")
    return found
