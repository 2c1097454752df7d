"""Callback benchmark: the full POST /wechat path (safe mode, PostgreSQL) against a bare endpoint.

Run by hand (never in CI):  .venv/bin/python bench/callback.py [--seconds 10] [--rounds 3]
Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and `wrk` (apt-get install wrk).
Three servers on loopback, each driven in turn by wrk with 16 connections: the bare endpoint
(one process), the full path in one process, and the full path with `--workers 2` processes
(with `--stack serve`, both full servers are started as production starts them: `shente serve`).
It prints the three targets of issue 18 with PASS/FAIL: full/bare ≥ 0.25, p99 ≤ 50 ms (one
process), two processes ≥ 1.3 × one, and the CPU per request of each party (the server,
PostgreSQL, Redis, wrk), read from /proc: on two shared cores, who takes what. `--py-spy PATH`
samples the one-process server during the first round (raw collapsed stacks, for flamegraph.pl
or speedscope; pip install py-spy).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402
from tests.support.wechat_peer import WeChatPeer, random_openid  # noqa: E402

CONNECTIONS = 16
THREADS = 2
# The targets of issue 18, measured in one run on a 2-core machine shared with wrk and PostgreSQL.
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0
TARGET_SCALING = 1.3
# Starting the full app takes seconds (tens of seconds on a loaded machine).
START_TIMEOUT = 240


def wait_for(port: int, path: str = "/", timeout: float = START_TIMEOUT) -> None:
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
    # What `shente serve` runs: uvloop, and h11 with its 16 KiB header limit.
    "serve": ["--loop", "uvloop", "--http", "h11", "--h11-max-incomplete-event-size", "16384"],
    "plain": ["--loop", "asyncio", "--http", "h11"],
}


def start_server(
    target: str, port: int, env: dict[str, str], log: Path, stack: str, workers: int = 1
) -> subprocess.Popen[bytes]:
    if stack == "serve" and target == "app.main:app":
        # The app as production serves it: `shente serve`, WEB_CONCURRENCY workers, each on a
        # listener of its own (app/serving.py).
        cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        env = env | {"WEB_CONCURRENCY": str(workers)}
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
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
        *(["--workers", str(workers)] if workers > 1 else []),
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


def run_wrk(port: int, seconds: int, requests_file: Path | None, server: int) -> dict[str, Any]:
    """Drive one server; its figures, and the CPU per request of each party (µs)."""
    before, wrk_before = process_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = _wrk(port, seconds, requests_file)
    after, wrk_after = process_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = max(figures["total"], 1)
    wrk = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    figures["cpu_app"] = server_cpu(before, after, server) / total * 1e6
    figures["cpu_postgres"] = (after["postgres"] - before["postgres"]) / total * 1e6
    figures["cpu_redis"] = (after["redis"] - before["redis"]) / total * 1e6
    figures["cpu_wrk"] = wrk / total * 1e6
    return figures


def connections_by_process(port: int) -> str:
    """How wrk's connections fall on the server's processes, e.g. "9/7" (most first)."""
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return "/".join(str(n) for n in sorted(counts.values(), reverse=True)) or "?"


def _wrk(port: int, seconds: int, requests_file: Path | None) -> dict[str, Any]:
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
    wrk = subprocess.Popen(
        [*cmd, f"http://127.0.0.1:{port}/wechat"], env=env, stdout=subprocess.PIPE, text=True
    )
    time.sleep(min(1.0, seconds / 2))
    split = connections_by_process(port)
    out, _ = wrk.communicate()
    if wrk.returncode:
        raise SystemExit(f"wrk failed ({wrk.returncode}):\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"non2xx_or_errors=(\d+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    figures = {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": errors, "total": total}
    return figures | {"split": split}


async def pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def settle(database: str, timeout: float = 60) -> None:
    """Wait until no autovacuum works on the bench database: the rows one phase stored must
    not cost the next phase CPU (PostgreSQL vacuums and analyzes after many inserts)."""
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        deadline = time.monotonic() + timeout
        busy = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'autovacuum:%'"
        )
        while time.monotonic() < deadline and await conn.fetchval(busy, database):
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def stored_rows(database: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM inbound_message"))
    finally:
        await conn.close()


def start_py_spy(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """Sample a server (and its children) for `seconds` into raw collapsed stacks."""
    binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if binary is None:
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    cmd = [binary, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250"]
    cmd += ["--format", "raw", "--output", str(out), "--nonblocking", "--subprocesses"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


TICK = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[str, float]:
    """CPU seconds so far of each process group that shares the cores: by pid (servers) and,
    summed, PostgreSQL's and Redis's processes."""
    totals: dict[str, float] = {"postgres": 0.0, "redis": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        ppid = fields[1]
        if comm.startswith("postgres"):
            totals["postgres"] += seconds
        elif comm.startswith("redis-server"):
            totals["redis"] += seconds
        else:
            totals[stat.parent.name] = seconds
            totals[f"parent:{stat.parent.name}"] = float(ppid)
    return totals


def server_cpu(before: dict[str, float], after: dict[str, float], pid: int) -> float:
    """CPU seconds a server (the process and its workers) used between two readings."""
    pids = {str(pid)} | {
        key.removeprefix("parent:")
        for key, value in after.items()
        if key.startswith("parent:") and int(value) == pid
    }
    return sum(after.get(p, 0.0) - before.get(p, 0.0) for p in pids)


def verdict(ok: bool) -> str:
    """PASS or FAIL, for the targets' lines."""
    return "PASS" if ok else "FAIL"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", action="store_true", help="also use Redis (127.0.0.1:6379)")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL (INFO as in prod)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="worker processes of the scaled server (0: skip the scaling measurement)",
    )
    parser.add_argument(
        "--stack",
        choices=sorted(STACKS),
        default="fast",
        help="uvicorn's loop and HTTP parser for every server: fast = uvloop + httptools, "
        "serve = uvloop + h11 as `shente serve` runs, plain = asyncio + h11",
    )
    parser.add_argument("--py-spy", type=Path, help="sample the one-process server into PATH")
    return parser.parse_args()


def main() -> None:
    """Start the servers, drive each in turn with wrk, print the medians and the targets."""
    args = parse_args()
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
    ports = {"bare": free_port(), "full": free_port(), "scaled": free_port()}
    servers = {
        "bare": start_server(
            "bench.bare_app:app", ports["bare"], env, workdir / "bare.log", args.stack
        ),
        "full": start_server("app.main:app", ports["full"], env, workdir / "full.log", args.stack),
    }
    if args.workers > 1:
        servers["scaled"] = start_server(
            "app.main:app", ports["scaled"], env, workdir / "scaled.log", args.stack, args.workers
        )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    try:
        wait_for(ports["bare"])
        for name in servers.keys() - {"bare"}:
            wait_for(ports[name], "/healthz")
        per_round = int(args.seconds * 5000)  # comfortably more than one round can send
        for n in range(args.rounds):
            runs["bare"].append(run_wrk(ports["bare"], args.seconds, None, servers["bare"].pid))
            spy = None
            if args.py_spy is not None and n == 0:
                spy = start_py_spy(servers["full"].pid, args.seconds, args.py_spy)
            # Alternate which full server goes first, and start each on a settled database.
            full_servers = sorted(servers.keys() - {"bare"}, reverse=n % 2 == 1)
            for name in full_servers:
                requests_file = workdir / f"requests-{name}-{n}.txt"
                build_requests(peer, per_round, requests_file)
                asyncio.run(settle(database))
                runs[name].append(
                    run_wrk(ports[name], args.seconds, requests_file, servers[name].pid)
                )
                if spy is not None:
                    spy.wait(timeout=60)
                    spy = None
            line = " | ".join(
                f"{name} {r[-1]['rps']:.0f} req/s p99 {r[-1]['p99']:.1f} ms"
                + (f" (connections {r[-1]['split']})" if name == "scaled" else "")
                for name, r in runs.items()
            )
            print(f"round {n + 1}: {line}", flush=True)
        rows = asyncio.run(stored_rows(database))
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    report(args, runs, rows)


def report(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]], rows: int) -> None:
    """The medians per server, the three targets with PASS/FAIL, and the stored-rows check."""

    def med(name: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[name]))

    labels = {
        "bare": "bare endpoint, 1 process",
        "full": "full /wechat, 1 process",
        "scaled": f"full /wechat, {args.workers} processes",
    }
    print(f"\nstack: {args.stack} ({' '.join(STACKS[args.stack])}); median of {args.rounds} rounds")
    print(f"{'':32}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name in runs:
        print(
            f"{labels[name]:32}{med(name, 'rps'):>10.0f}{med(name, 'p50'):>10.2f}"
            f"{med(name, 'p99'):>10.2f}"
        )
    print("\nCPU per request, µs (wrk counts what it sent, so slightly more than answered):")
    print(f"{'':32}{'app':>10}{'postgres':>10}{'redis':>10}{'wrk':>10}")
    for name in runs:
        print(
            f"{labels[name]:32}"
            + "".join(
                f"{med(name, key):>10.0f}"
                for key in ("cpu_app", "cpu_postgres", "cpu_redis", "cpu_wrk")
            )
        )
    ratio = med("full", "rps") / med("bare", "rps")
    p99 = med("full", "p99")
    print(
        f"\nfull/bare, 1 process: {ratio:.2f}  (target ≥ {TARGET_RATIO})"
        f"  {verdict(ratio >= TARGET_RATIO)}"
    )
    print(
        f"p99 full, 1 process: {p99:.1f} ms  (target ≤ {TARGET_P99_MS:.0f} ms)"
        f"  {verdict(p99 <= TARGET_P99_MS)}"
    )
    if "scaled" in runs:
        scaling = med("scaled", "rps") / med("full", "rps")
        print(
            f"{args.workers} processes / 1: {scaling:.2f}×  (target ≥ {TARGET_SCALING}×)"
            f"  {verdict(scaling >= TARGET_SCALING)}"
        )
        splits = ", ".join(r["split"] for r in runs["scaled"])
        print(
            f"  wrk's {CONNECTIONS} connections on the {args.workers} processes, by round: {splits}"
        )
    full_runs = [r for name in runs if name != "bare" for r in runs[name]]
    sent = sum(int(r["total"]) for r in full_runs)
    print(
        f"errors (non-2xx): {sum(int(r['errors']) for r in full_runs)};"
        f" messages sent {sent}, rows stored {rows}"
    )
    if args.py_spy is not None:
        print(f"py-spy samples (one-process server, round 1): {args.py_spy}")


if __name__ == "__main__":
    main()
