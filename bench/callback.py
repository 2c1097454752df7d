"""Callback benchmark: the full POST /wechat path (safe mode, PostgreSQL) against a bare endpoint.

Run by hand (never in CI):  .venv/bin/python bench/callback.py [--seconds 10] [--rounds 3]
Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and `wrk` (apt-get install wrk).
Both servers run as one uvicorn process each, on loopback, driven by wrk with 16 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.wechat_peer import WeChatPeer, random_openid  # noqa: E402

CONNECTIONS = 16
THREADS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, path: str = "/", timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


STACKS = {
    "fast": ["--loop", "uvloop", "--http", "httptools"],
    "plain": ["--loop", "asyncio", "--http", "h11"],
}


def start_server(
    target: str, port: int, env: dict[str, str], log: Path, stack: str
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        *STACKS[stack],
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def build_requests(peer: WeChatPeer, count: int, path: Path) -> None:
    """Unique encrypted text messages, each with a new MsgId, signed for 'now'."""
    from urllib.parse import urlencode

    openids = [random_openid() for _ in range(200)]
    peer.now = time.time()
    with path.open("w") as out:
        for i in range(count):
            xml = peer.text(openids[i % len(openids)], f"学习心得 {i}")
            params, body = peer.request(xml, "safe", nonce=secrets.token_hex(5))
            assert b"\n" not in body and b"\t" not in body
            out.write(f"/wechat?{urlencode(params)}\t{body.decode()}\n")


def run_wrk(port: int, seconds: int, requests_file: Path | None) -> dict[str, float]:
    env = os.environ | {"BENCH_THREADS": str(THREADS)}
    cmd = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if requests_file is not None:
        env["BENCH_REQUESTS"] = str(requests_file)
        cmd += ["-s", str(ROOT / "bench" / "requests.lua")]
    else:
        cmd += ["-s", str(ROOT / "bench" / "bare.lua")]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}/wechat"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"non2xx_or_errors=(\d+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": errors, "total": total}


async def pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def stored_rows(database: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM inbound_message"))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", action="store_true", help="also use Redis (127.0.0.1:6379)")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL (INFO as in prod)")
    parser.add_argument(
        "--stack",
        choices=sorted(STACKS),
        default="fast",
        help="uvicorn's loop and HTTP parser for both servers: fast = uvloop + "
        "httptools, plain = asyncio + h11 (`shente serve` uses uvloop + h11)",
    )
    args = parser.parse_args()

    database = f"shente_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg(f'CREATE DATABASE "{database}"'))
    if os.environ.get("BENCH_ASYNC_COMMIT"):
        asyncio.run(pg(f'ALTER DATABASE "{database}" SET synchronous_commit = off'))
    workdir = Path(tempfile.mkdtemp(prefix="shente-bench-"))
    peer = WeChatPeer()
    env = os.environ | {
        "APP_ENV": "test",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1/{database}",
        "WECHAT_TOKEN": peer.token,
        "WECHAT_ENCODING_AES_KEY": peer.aes_key,
        "WECHAT_APP_ID": peer.app_id,
        "LOG_LEVEL": args.log_level,
        "LOG_FORMAT": "json",
        "REDIS_URL": "redis://127.0.0.1:6379/0" if args.redis else "",
        "REDIS_KEY_PREFIX": f"{database}:",
    }
    subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    full_port, bare_port = free_port(), free_port()
    servers = [
        start_server("app.main:app", full_port, env, workdir / "full.log", args.stack),
        start_server("bench.bare_app:app", bare_port, env, workdir / "bare.log", args.stack),
    ]
    full: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []
    try:
        wait_for(full_port, "/healthz")
        wait_for(bare_port)
        per_round = int(args.seconds * 3000)  # comfortably more than one round can send
        for n in range(args.rounds):
            requests_file = workdir / f"requests-{n}.txt"
            build_requests(peer, per_round, requests_file)
            bare.append(run_wrk(bare_port, args.seconds, None))
            full.append(run_wrk(full_port, args.seconds, requests_file))
            print(
                f"round {n + 1}: full {full[-1]['rps']:.0f} req/s p99 {full[-1]['p99']:.1f} ms"
                f" | bare {bare[-1]['rps']:.0f} req/s p99 {bare[-1]['p99']:.1f} ms",
                flush=True,
            )
        rows = asyncio.run(stored_rows(database))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    sent = sum(int(r["total"]) for r in full)
    print()
    print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'bare FastAPI endpoint':28}{med(bare, 'rps'):>10.0f}{med(bare, 'p50'):>10.2f}"
        f"{med(bare, 'p99'):>10.2f}"
    )
    print(
        f"{'full /wechat path':28}{med(full, 'rps'):>10.0f}{med(full, 'p50'):>10.2f}"
        f"{med(full, 'p99'):>10.2f}"
    )
    ratio = med(full, "rps") / med(bare, "rps")
    print(f"\nratio full/bare (median of {args.rounds} rounds): {ratio:.0%}  (target ≥ 50%)")
    print(f"p99 full path: {med(full, 'p99'):.1f} ms  (target ≤ 50 ms)")
    print(
        f"errors (non-2xx): {sum(int(r['errors']) for r in full)};"
        f" messages sent {sent}, rows stored {rows}"
    )


if __name__ == "__main__":
    main()
