"""CPU per callback inside the app, without HTTP or a load generator: where the time goes.

Run by hand:  .venv/bin/python bench/inprocess.py [--requests 3000]   (needs PostgreSQL)
Drives the ASGI app directly with pre-built safe-mode messages, 8 at a time, and prints the
process CPU time per request for the full path (median of the rounds), next to a bare endpoint
driven the same way. With REDIS_URL set, the app uses Redis as it does in production.

On a busy machine, count instructions instead of seconds (repeatable whatever else runs):
  BENCH_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
    .venv/bin/python bench/inprocess.py --requests 700 --rounds 1
counts the full path's timed requests (all but the first 200): `callgrind_annotate /tmp/cg.out`
prints the total; divide it by the timed requests (500 here) for instructions per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import pg  # noqa: E402
from tests.support.wechat_peer import WeChatPeer, random_openid  # noqa: E402


def count_instructions(on: bool) -> None:
    """Switch callgrind's counting on or off (BENCH_CALLGRIND=1 under valgrind)."""
    if os.environ.get("BENCH_CALLGRIND") == "1":
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())])


async def drive(
    app, requests: list[tuple[str, bytes]], concurrency: int = 8, count: bool = False
) -> float:
    """Send every request through the ASGI app; return CPU seconds per request."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(query: str, body: bytes) -> None:
        async with semaphore:
            sent = False

            async def receive():
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            status = 0

            async def send(message):
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": "/wechat",
                "raw_path": b"/wechat",
                "query_string": query.encode(),
                "root_path": "",
                "headers": [
                    (b"content-type", b"text/xml"),
                    (b"content-length", str(len(body)).encode()),
                ],
                "client": ("127.0.0.1", 1234),
                "server": ("127.0.0.1", 8000),
                "state": {},
            }
            await app(scope, receive, send)
            assert status == 200, status

    warm, timed = requests[:200], requests[200:]
    await asyncio.gather(*(one(q, b) for q, b in warm))
    count_instructions(count)
    started = time.process_time()
    await asyncio.gather(*(one(q, b) for q, b in timed))
    spent = time.process_time() - started
    count_instructions(False)
    return spent / len(timed)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median printed)")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()
    database = f"shente_inproc_{uuid.uuid4().hex[:8]}"
    await pg(f'CREATE DATABASE "{database}"')
    peer = WeChatPeer()
    os.environ.update(
        {
            "APP_ENV": "test",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1/{database}",
            "WECHAT_TOKEN": peer.token,
            "WECHAT_ENCODING_AES_KEY": peer.aes_key,
            "WECHAT_APP_ID": peer.app_id,
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            "REDIS_KEY_PREFIX": f"{database}:",
        }
    )
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "db",
            "upgrade",
            cwd=ROOT,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await proc.wait()
        from app.logging import configure_logging
        from app.main import create_app
        from bench.bare_app import app as bare

        app = create_app()
        # Log as production does (JSON, INFO), but into the void: the CPU is what we count.
        configure_logging(level="INFO", json=True, stream=open(os.devnull, "w"))
        peer.now = time.time()
        rounds = [
            [
                (urlencode(p), b)
                for p, b in (
                    peer.request(peer.text(random_openid(), f"心得 {n}-{i}"), "safe")
                    for i in range(args.requests)
                )
            ]
            for n in range(args.rounds)
        ]
        bare_cpu = statistics.median(
            [await drive(bare, [("", b"x" * 700)] * args.requests) for _ in rounds]
        )
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
        # Started and stopped as a server does (its lifespan sets the collector's thresholds).
        async with app.router.lifespan_context(app):
            full_cpu = statistics.median([await drive(app, full, count=True) for full in rounds])
        if args.profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
        print(f"bare endpoint: {bare_cpu * 1e3:.3f} ms CPU per request")
        print(
            f"full /wechat:  {full_cpu * 1e3:.3f} ms CPU per request "
            f"(ratio of throughputs if CPU-bound: {bare_cpu / full_cpu:.0%})"
        )
    finally:
        await pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
