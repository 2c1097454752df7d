"""Broadcast benchmark: one template message to N members through the sandbox over HTTP.

Run by hand (never in CI):  .venv/bin/python bench/broadcast.py [--recipients 10000]
    [--concurrency 50] [--latency-ms 20] [--rounds 3] [--skip-crash] [--keep-db]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth).

Phase 1 (throughput): a fresh broadcast per round, sent by one sender process
(BroadcastSender.run() through sender_runtime, as `shente broadcasts resume` does) against the
sandbox served by uvicorn with `latency-ms` on every template/send. Ideal = N × latency / C.
Phase 2 (crash): the sender is SIGKILLed at about half-way, a new one resumes, and after the
receipt grace period one more run resends what WeChat never confirmed; the app server receives
the sandbox's TEMPLATESENDJOBFINISH receipts. Every member must end with exactly one message.

The sender runs in its own process (`--child-send`, internal) so it can be killed and its peak
RSS read. Everything listens on 127.0.0.1; the database is dropped at the end.

Where the time goes: --py-spy N (one more round sampled by py-spy: pip install py-spy) or
--profile N (cProfile). --senders K shares C among K sender processes (several instances).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.callback import free_port, pg  # noqa: E402

TEMPLATE_ID = "sandbox_tpl_notice"
MESSAGE = {
    "title": "测试通知",
    "text": "这是一条测试通知",
    "template": {"thing1": "测试通知", "thing2": "党群部门", "time3": "2026-12-01"},
}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def vm_hwm_kib() -> int:
    """Peak resident set size of this process image (VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# --- the sender child ---------------------------------------------------------------------
def trace_failures() -> Counter[str]:
    """Count the sender's failed WeChat calls by what went wrong and how long they took.

    Diagnostics only: the row's reason says "lost answer" for every call that may have reached
    WeChat; this says which exception it was (a time-out, a connection the server had closed…).
    """
    from app.wechat import transport
    from app.wechat.errors import WeChatError

    failures: Counter[str] = Counter()
    original = transport.WeChatTransport._send

    async def traced(self: Any, call: str, *args: Any) -> dict[str, Any]:
        started = time.monotonic()
        try:
            return await original(self, call, *args)
        except WeChatError as exc:
            took = time.monotonic() - started
            bucket = "<1 s" if took < 1 else "1-4.9 s" if took < 4.9 else "≥4.9 s"
            maybe = getattr(exc, "maybe_done", None)
            failures[f"{call}: {exc.errcode} {exc.errmsg} (maybe_done={maybe}, {bucket})"] += 1
            raise

    transport.WeChatTransport._send = traced  # type: ignore[method-assign]
    return failures


def child_send(profile: str | None) -> None:
    """Run one BroadcastSender to the end (settings from the environment); print a JSON line."""
    import resource

    from app.config import Settings
    from app.logging import configure_logging

    settings = Settings()
    configure_logging(
        level=settings.log_level, json=True, secrets=settings.secret_values(), stream=sys.stderr
    )

    failures = trace_failures()

    def rusage() -> tuple[float, int]:
        """CPU seconds so far, and the peak RSS of this process image in KiB.

        Not ru_maxrss: Linux carries it over fork and exec, so a child of a big parent starts
        at the parent's size. VmHWM is this image's own high-water mark.
        """
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime, vm_hwm_kib()

    async def go() -> dict[str, Any]:
        from app.broadcasting import BroadcastSender
        from app.runtime import sender_runtime

        cpu_start, rss_start = rusage()
        async with sender_runtime(settings) as rt:  # as `shente broadcasts resume` has it
            sender = BroadcastSender(
                engine=rt.engine, sessions=rt.sessions, client=rt.client, settings=settings
            )
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started, t_start = time.monotonic(), time.time()
            report = await sender.run()
            elapsed, t_end = time.monotonic() - started, time.time()
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            cpu_end, _ = rusage()
        return {
            "elapsed": elapsed,
            "t_start": t_start,
            "t_end": t_end,
            "cpu_run": cpu_end - cpu_start,
            "cpu_total": cpu_end,
            "maxrss_kib_before_run": rss_start,
            "maxrss_kib": vm_hwm_kib(),
            "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "call_failures": dict(failures),
            "report": {
                "sent": report.sent,
                "failed": report.failed,
                "unreachable": report.unreachable,
                "unknown": report.unknown,
                "retrying": report.retrying,
                "paused": report.paused,
                "broadcasts": report.broadcasts,
                "reconciled": report.reconciled,
            },
        }

    from app.cli import eventloop

    print(json.dumps(eventloop.run(go())), flush=True)


# --- processes ----------------------------------------------------------------------------
class Children:
    """Every child process this run started; all are reaped in stop_all()."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], env: dict[str, str], log: Path, out: Path | None = None):
        stdout = out.open("wb") if out else log.open("ab")
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=log.open("ab"),
            start_new_session=True,  # Ctrl-C reaches the parent only, which stops them in order
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


async def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{url}: the server exited with {proc.returncode}")
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def proc_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def postgres_ticks() -> int:
    """CPU of PostgreSQL: its live processes, plus the postmaster's reaped children (backends
    of closed connections), so a backend that exits mid-interval still counts."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if not head.endswith("(postgres"):
            continue
        fields = rest.split()
        total += int(fields[11]) + int(fields[12])
        try:
            parent = Path(f"/proc/{fields[1]}/comm").read_text().strip()
        except OSError:
            parent = ""
        if parent != "postgres":  # the postmaster: add its reaped children
            total += int(fields[13]) + int(fields[14])
    return total


def machine_busy_ticks() -> int:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle


@dataclass
class CpuMeter:
    """CPU seconds spent by the sandbox, PostgreSQL and the whole machine over an interval."""

    sandbox_pid: int
    app_pid: int | None = None
    start: dict[str, int] = field(default_factory=dict)

    def sample(self) -> dict[str, int]:
        values = {
            "sandbox": proc_ticks(self.sandbox_pid),
            "postgres": postgres_ticks(),
            "machine": machine_busy_ticks(),
        }
        if self.app_pid is not None:
            values["app"] = proc_ticks(self.app_pid)
        return values

    def begin(self) -> None:
        self.start = self.sample()

    def end(self) -> dict[str, float]:
        now = self.sample()
        return {k: (now[k] - self.start.get(k, 0)) / CLK_TCK for k in now}


# --- the bench ----------------------------------------------------------------------------
@dataclass
class Bench:
    args: argparse.Namespace
    database: str
    workdir: Path
    children: Children
    openids: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    sandbox_url: str = ""
    sandbox_proc: subprocess.Popen[bytes] | None = None
    app_url: str = ""
    app_proc: subprocess.Popen[bytes] | None = None
    engine: Any = None
    sessions: Any = None
    settings: Any = None
    wechat: dict[str, str] = field(default_factory=dict)
    base_env: dict[str, str] = field(default_factory=dict)
    broadcasts: dict[int, str] = field(default_factory=dict)  # id → key
    problems: list[str] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1/{self.database}"

    # --- set-up -------------------------------------------------------------------------
    def prepare_env(self) -> None:
        alphabet = string.ascii_letters + string.digits
        self.wechat = {
            "app_id": "wxbench" + secrets.token_hex(5),
            "app_secret": secrets.token_hex(16),
            "token": secrets.token_hex(8),
            "aes_key": "".join(secrets.choice(alphabet) for _ in range(43)),
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "BROADCAST_"))}
        self.base_env = env | {
            "APP_ENV": "test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": "",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            "WECHAT_APP_ID": self.wechat["app_id"],
            "WECHAT_APP_SECRET": self.wechat["app_secret"],
            "WECHAT_TOKEN": self.wechat["token"],
            "WECHAT_ENCODING_AES_KEY": self.wechat["aes_key"],
            "WECHAT_ACCOUNT_TYPE": "service",
            "WECHAT_TEMPLATE_NOTICE_ID": TEMPLATE_ID,
            # The bench sends at any hour: no 免打扰 pause (a setting older checkouts ignore).
            "QUIET_HOURS": "off",
            "PYTHONUNBUFFERED": "1",
        }

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"],
            cwd=ROOT,
            env=self.base_env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    async def start_sandbox(self) -> None:
        port = free_port()
        openids_file = self.workdir / "openids.txt"
        openids_file.write_text("\n".join(self.openids) + "\n")
        cmd = [
            sys.executable,
            str(ROOT / "bench" / "_sandbox_server.py"),
            "--port",
            str(port),
            "--openids",
            str(openids_file),
            "--latency-ms",
            str(self.args.latency_ms),
            "--app-id",
            self.wechat["app_id"],
            "--app-secret",
            self.wechat["app_secret"],
            "--token",
            self.wechat["token"],
            "--aes-key",
            self.wechat["aes_key"],
            "--keep-alive",
            str(self.args.sandbox_keep_alive),
        ]
        self.sandbox_proc = self.children.start(cmd, self.base_env, self.workdir / "sandbox.log")
        self.sandbox_url = f"http://127.0.0.1:{port}"
        await wait_http(self.sandbox_url + "/_bench/status", self.sandbox_proc)

    async def start_app(self) -> None:
        port = free_port()
        env = self.base_env | {"WECHAT_API_BASE_URL": self.sandbox_url}
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
        self.app_proc = self.children.start(cmd, env, self.workdir / "app.log")
        self.app_url = f"http://127.0.0.1:{port}"
        await wait_http(self.app_url + "/healthz", self.app_proc)

    async def sandbox(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        async with httpx.AsyncClient(base_url=self.sandbox_url, timeout=30) as http:
            if body is None:
                response = await http.get(path)
            else:
                response = await http.post(path, json=body)
        response.raise_for_status()
        return dict(response.json())

    async def open_db(self) -> None:
        from app.config import Settings
        from app.db import create_engine, session_factory

        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            app_env="test",
            database_url=self.database_url,
            wechat_api_base_url="http://127.0.0.1:1",  # not the in-process sandbox
            wechat_app_id=self.wechat["app_id"],
            wechat_account_type="service",
            wechat_template_notice_id=TEMPLATE_ID,
        )
        self.engine = create_engine(self.database_url)
        self.sessions = session_factory(engine=self.engine)

    async def add_members(self) -> float:
        """N people, each bound to a following WeChat: two executemany inserts."""
        from sqlalchemy import select

        from app.models import Follower, Person, PersonStatus, PoliticalStage
        from app.models.types import utcnow

        n = self.args.recipients
        started = time.monotonic()
        now = utcnow()
        self.openids = [f"obench{i:07d}".ljust(28, "x") for i in range(n)]
        people = Person.__table__  # type: ignore[attr-defined]
        followers = Follower.__table__  # type: ignore[attr-defined]
        async with self.engine.begin() as conn:
            await conn.execute(
                people.insert(),
                [
                    {
                        "employee_no": f"B{i:07d}",
                        "name": f"成员{i}",
                        "is_manager": False,
                        "stage": PoliticalStage.MASSES.value,
                        "status": PersonStatus.ACTIVE.value,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(n)
                ],
            )
            rows = (
                await conn.execute(
                    select(people.c.id, people.c.employee_no).where(people.c.employee_no.like("B%"))
                )
            ).all()
            by_no = {no: pid for pid, no in rows}
            self.person_ids = [by_no[f"B{i:07d}"] for i in range(n)]
            await conn.execute(
                followers.insert(),
                [
                    {
                        "openid": self.openids[i],
                        "subscribed": True,
                        "subscribed_at": now,
                        "subscribe_count": 1,
                        "person_id": self.person_ids[i],
                        "bound_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(n)
                ],
            )
        return time.monotonic() - started

    def url_of(self, key: str) -> str:
        """Each broadcast carries its own link, so the sandbox can tell their deliveries apart."""
        return "http://127.0.0.1/bench/" + key.replace(":", "-")

    async def make_broadcast(self, key: str) -> tuple[int, float]:
        """Plan and store a broadcast to every member in one unit of work; (id, seconds)."""
        from app.db import unit_of_work
        from app.models import Channel
        from app.models.types import utcnow
        from app.services.broadcasts import reach as reach_service
        from app.services.broadcasts import rows as row_service

        started = time.monotonic()
        async with unit_of_work(self.sessions) as session:
            plans = await reach_service.plan(
                session,
                person_ids=self.person_ids,
                channels=[Channel.TEMPLATE],
                settings=self.settings,
                now=utcnow(),
            )
            assert all(p.channel is Channel.TEMPLATE for p in plans), Counter(
                p.reason for p in plans
            )
            broadcast = await row_service.create(
                session,
                key=key,
                kind="notice",
                title="测试通知",
                message={**MESSAGE, "url": self.url_of(key)},
                channels=[Channel.TEMPLATE],
                reach=plans,
                now=utcnow(),
            )
        assert broadcast.id is not None
        self.broadcasts[broadcast.id] = key
        return broadcast.id, time.monotonic() - started

    async def statuses(self, broadcast_id: int) -> Counter[str]:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT status, count(*) FROM broadcast_recipient"
                    " WHERE broadcast_id = :b GROUP BY status"
                ),
                {"b": broadcast_id},
            )
            return Counter({status: int(n) for status, n in rows.all()})

    async def sent_count(self, conn: Any, broadcast_id: int) -> int:
        from sqlalchemy import text

        result = await conn.execute(
            text(
                "SELECT count(*) FROM broadcast_recipient"
                " WHERE broadcast_id = :b AND status = 'sent'"
            ),
            {"b": broadcast_id},
        )
        return int(result.scalar_one())

    # --- one sender process -------------------------------------------------------------
    def sender_env(self, grace: int, senders: int = 1, rate: float = 100_000) -> dict[str, str]:
        # Several senders share the concurrency: C requests in flight in all, as with one.
        concurrency = -(-self.args.concurrency // senders)
        return self.base_env | {
            "WECHAT_API_BASE_URL": self.sandbox_url,
            "BROADCAST_CONCURRENCY": str(concurrency),
            "BROADCAST_RATE_PER_SECOND": str(rate),
            "BROADCAST_RECEIPT_GRACE_SECONDS": str(grace),
        }

    def start_sender(
        self,
        tag: str,
        grace: int,
        profile: Path | None = None,
        spy: Path | None = None,
        senders: int = 1,
        rate: float = 100_000,
    ):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-send"]
        if profile is not None:
            cmd += ["--child-profile", str(profile)]
        if spy is not None:
            binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which(
                "py-spy"
            )
            if binary is None:
                raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
            spy_args = ["record", "--format", "raw", "--full-filenames", "--idle"]
            spy_args += ["--nonblocking", "--rate", "250", "-o", str(spy), "--"]
            cmd = [binary, *spy_args, *cmd]
        out = self.workdir / f"sender-{tag}.json"
        proc = self.children.start(
            cmd, self.sender_env(grace, senders, rate), self.workdir / f"sender-{tag}.log", out=out
        )
        return proc, out

    async def wait_sender(self, proc: subprocess.Popen[bytes], out: Path, tag: str) -> dict:
        deadline = time.monotonic() + self.sender_timeout
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait(timeout=10)
                raise SystemExit(f"sender {tag} did not finish within {self.sender_timeout:.0f} s")
            await asyncio.sleep(0.02)
        if proc.returncode != 0:
            log = (self.workdir / f"sender-{tag}.log").read_text()[-3000:]
            raise SystemExit(f"sender {tag} exited with {proc.returncode}:\n{log}")
        lines = [line for line in out.read_text().splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"sender {tag} printed no report: {out.read_text()[-500:]!r}")
        return dict(json.loads(lines[-1]))

    @property
    def ideal(self) -> float:
        return self.args.recipients * self.args.latency_ms / 1000 / self.args.concurrency

    @property
    def sender_timeout(self) -> float:
        return max(120.0, 30 * self.ideal)

    async def deliveries(self, broadcast_id: int, since_id: int) -> tuple[Counter[str], int]:
        """This broadcast's template deliveries per openid since `since_id`, and how many
        deliveries of other broadcasts came in the same window (late resends of earlier ones)."""
        from urllib.parse import quote

        url = self.url_of(self.broadcasts[broadcast_id])
        data = await self.sandbox(f"/_bench/counts?since_id={since_id}&url={quote(url)}")
        others = sum(n for u, n in data["by_url"].items() if u != url)
        return Counter(data["counts"]), others + int(data["other_channels"])

    async def unsent_reasons(self, broadcast_id: int) -> dict[str, int]:
        """Rows that did not end `sent`, by status, reason and errcode."""
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT status, reason, errcode, count(*) FROM broadcast_recipient"
                    " WHERE broadcast_id = :b AND status <> 'sent'"
                    " GROUP BY status, reason, errcode"
                ),
                {"b": broadcast_id},
            )
            return {f"{st} / {reason} / errcode {code}": int(n) for st, reason, code, n in rows}

    async def final_check(self) -> dict[str, Any]:
        """Every broadcast of this run, every member: exactly one message, counted over the
        sandbox's whole history (a late resend in a later phase counts for its broadcast)."""
        matrix = await self.sandbox("/_bench/matrix")
        result: dict[str, Any] = {}
        for broadcast_id, key in self.broadcasts.items():
            counts = Counter(matrix.get(self.url_of(key), {}))
            result[key] = self.check_deliveries(counts) | {
                "statuses": dict(await self.statuses(broadcast_id))
            }
        return result

    def check_deliveries(self, counts: Counter[str]) -> dict[str, int]:
        expected = set(self.openids)
        return {
            "delivered": sum(counts.values()),
            "duplicates": sum(1 for o in expected if counts[o] > 1),
            "extra_messages": sum(counts[o] - 1 for o in expected if counts[o] > 1),
            "lost": sum(1 for o in expected if counts[o] == 0),
            "strangers": sum(1 for o in counts if o not in expected),
        }

    # --- phase 1 ------------------------------------------------------------------------
    async def throughput_round(
        self, number: int, profile: Path | None = None, spy: Path | None = None
    ) -> dict[str, Any]:
        assert self.sandbox_proc is not None
        before = await self.sandbox("/_bench/status")
        broadcast_id, prep = await self.make_broadcast(f"bench:{number}:{uuid.uuid4().hex[:8]}")
        meter = CpuMeter(self.sandbox_proc.pid)
        meter.begin()
        wall_start = time.monotonic()
        senders = 1 if (profile or spy) else self.args.senders
        started = [
            (
                *self.start_sender(
                    f"round{number}-{k}", grace=600, profile=profile, spy=spy, senders=senders
                ),
                f"round{number}-{k}",
            )
            for k in range(senders)
        ]
        children = [await self.wait_sender(proc, out, tag) for proc, out, tag in started]
        wall = time.monotonic() - wall_start
        cpu = meter.end()
        if senders == 1:
            elapsed = children[0]["elapsed"]
        else:  # from the first run() starting to the last one ending
            elapsed = max(c["t_end"] for c in children) - min(c["t_start"] for c in children)
        after = await self.sandbox("/_bench/status")
        counts, other = await self.deliveries(broadcast_id, before["last_id"])
        check = self.check_deliveries(counts)
        calls = sum(after["template_calls"].values()) - sum(before["template_calls"].values())
        errors = {
            k: v - before["template_calls"].get(k, 0)
            for k, v in after["template_calls"].items()
            if k != "0" and v != before["template_calls"].get(k, 0)
        }
        status = await self.statuses(broadcast_id)
        sender_total = sum(c["cpu_total"] for c in children)
        return {
            "broadcast": broadcast_id,
            "prep": prep,
            "elapsed": elapsed,
            "wall": wall,
            "ratio": self.ideal / elapsed,
            "rps": calls / elapsed,
            "calls": calls,
            "errors": errors,
            "rss_mb": max(c["maxrss_kib"] for c in children) / 1024,
            "rss_before_mb": max(c["maxrss_kib_before_run"] for c in children) / 1024,
            "ru_maxrss_mb": max(c["ru_maxrss_kib"] for c in children) / 1024,
            "cpu_sender": sum(c["cpu_run"] for c in children),
            "cpu_sender_total": sender_total,
            "cpu_sandbox": cpu["sandbox"],
            "cpu_postgres": cpu["postgres"],
            "cpu_machine": cpu["machine"],
            # Everything else on this (shared) machine during the round: other users' work.
            "cpu_others": cpu["machine"] - sender_total - cpu["sandbox"] - cpu["postgres"],
            "sent_by": [c["report"]["sent"] for c in children],
            "paused": [b for c in children for b in c["report"]["paused"]],
            "unsent": await self.unsent_reasons(broadcast_id)
            if status.get("sent") != len(self.openids)
            else {},
            "call_failures": dict(sum((Counter(c["call_failures"]) for c in children), Counter())),
            "connections": after["connections"] - before["connections"],
            "statuses": dict(status),
            "other_channels": other,
            **check,
        }

    async def phase1(self) -> list[dict[str, Any]]:
        n, c, lat = self.args.recipients, self.args.concurrency, self.args.latency_ms
        print(
            f"\nphase 1 — throughput: N={n}, C={c}, latency {lat:g} ms on template/send,"
            f" ideal N×latency/C = {self.ideal:.2f} s",
            flush=True,
        )
        results = []
        for number in range(1, self.args.rounds + 1):
            r = await self.throughput_round(number)
            results.append(r)
            ok = r["duplicates"] == 0 and r["lost"] == 0 and r["strangers"] == 0
            print(
                f"round {number}: run() {r['elapsed']:.2f} s"
                f" (wall incl. start-up {r['wall']:.2f} s)"
                f" = {r['ratio']:.0%} of ideal, {r['rps']:.0f} req/s, peak RSS {r['rss_mb']:.0f} MB"
                f" | CPU s: sender {r['cpu_sender']:.1f}, sandbox {r['cpu_sandbox']:.1f},"
                f" postgres {r['cpu_postgres']:.1f}, others {r['cpu_others']:.1f}"
                f" (machine {r['cpu_machine']:.1f} of {os.cpu_count() * r['wall']:.1f})"
                f" | {r['delivered']} delivered, dup {r['duplicates']}, lost {r['lost']}"
                f" {'ok' if ok else 'MISMATCH'}"
                + (f" errors {r['errors']}" if r["errors"] else "")
                + (f" sent by each sender {r['sent_by']}" if len(r["sent_by"]) > 1 else ""),
                flush=True,
            )
            if r["other_channels"]:
                print(f"    {r['other_channels']} deliveries of other broadcasts meanwhile")
            if r["paused"]:
                print(f"    the sender PAUSED broadcasts {r['paused']} (quota or quiet hours)")
                self.problems.append(f"round {number}: paused {r['paused']}")
            if r["unsent"] or r["call_failures"]:
                print(f"    rows not sent: {r['unsent']}")
                print(f"    failed calls seen by the sender: {r['call_failures']}")
                self.problems.append(f"round {number}: {r['unsent']} {r['call_failures']}")
        if self.args.profile:
            await self.profiled_round(len(results) + 1)
        if self.args.py_spy:
            await self.sampled_round(len(results) + 2)
        return results

    async def sampled_round(self, number: int) -> None:
        path = self.workdir / "sender.spy.txt"
        r = await self.throughput_round(number, spy=path)
        print(
            f"\nsampled round (py-spy, 250 Hz, not counted): run() {r['elapsed']:.2f} s,"
            f" sender CPU {r['cpu_sender']:.1f} s, {r['rps']:.0f} req/s",
            flush=True,
        )
        print_samples(path, self.args.py_spy)

    async def profiled_round(self, number: int) -> None:
        import pstats

        path = self.workdir / "sender.prof"
        r = await self.throughput_round(number, profile=path)
        print(
            f"\nprofiled round (cProfile in the sender, not counted): run() {r['elapsed']:.2f} s,"
            f" sender CPU {r['cpu_sender']:.1f} s; the {self.args.profile} costliest functions:",
            flush=True,
        )
        stats = pstats.Stats(str(path), stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(self.args.profile)
        stats.sort_stats("cumulative").print_stats(self.args.profile)

    # --- phase 2 ------------------------------------------------------------------------
    async def wait_receipts(self, timeout: float = 300) -> dict[str, Any]:
        """Until the sandbox has no receipt callback in flight (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.sandbox("/_bench/status")
            if status["callbacks_in_flight"] == 0:
                return status
            if time.monotonic() > deadline:
                raise SystemExit(f"receipts still in flight after {timeout:.0f} s: {status}")
            await asyncio.sleep(0.2)

    async def seconds_until_grace_over(self, broadcast_id: int, grace: int) -> float:
        from sqlalchemy import text

        from app.models.types import utcnow

        async with self.engine.connect() as conn:
            latest = (
                await conn.execute(
                    text(
                        "SELECT max(in_doubt_since) FROM broadcast_recipient"
                        " WHERE broadcast_id = :b AND status = 'unknown'"
                    ),
                    {"b": broadcast_id},
                )
            ).scalar_one()
        if latest is None:
            return 0.0
        return (latest - utcnow()).total_seconds() + grace + 0.5

    async def rows_of(self, broadcast_id: int, ids: list[int] | None = None) -> dict[int, dict]:
        from sqlalchemy import text

        sql = (
            "SELECT id, openid, status, reason, receipt, attempts, msgid FROM broadcast_recipient"
            " WHERE broadcast_id = :b"
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(text(sql), {"b": broadcast_id})).mappings().all()
        wanted = set(ids) if ids is not None else None
        return {r["id"]: dict(r) for r in rows if wanted is None or r["id"] in wanted}

    async def phase2(self) -> dict[str, Any]:
        from app.services.broadcasts import receipts as receipt_service
        from app.services.broadcasts import workers as worker_service

        grace = self.args.grace_seconds
        n = self.args.recipients
        print(
            f"\nphase 2 — crash: SIGKILL the sender at about {n // 2} sent, resume, wait past"
            f" the receipt grace ({grace} s), run once more; receipts go to the app server",
            flush=True,
        )
        await self.start_app()
        await self.sandbox(
            "/_bench/configure",
            {"auto_job_events": True, "callback_url": self.app_url + "/wechat"},
        )
        before = await self.sandbox("/_bench/status")
        broadcast_id, _ = await self.make_broadcast(f"bench:crash:{uuid.uuid4().hex[:8]}")
        assert self.app_proc is not None
        app_ticks = proc_ticks(self.app_proc.pid)

        # 1. the first sender, killed at half-way
        killed_at_sent = 0
        proc, _ = self.start_sender("crash-1", grace, rate=self.args.crash_rate)
        started = time.monotonic()
        async with self.engine.connect() as conn:
            while True:
                if proc.poll() is not None:
                    raise SystemExit("the first sender finished before it could be killed")
                if time.monotonic() - started > self.sender_timeout:
                    raise SystemExit("the first sender never reached half-way")
                killed_at_sent = await self.sent_count(conn, broadcast_id)
                await conn.rollback()  # a fresh snapshot next time
                if killed_at_sent >= n // 2:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                await asyncio.sleep(0.02)
        proc.wait(timeout=10)
        killed_after = time.monotonic() - started
        at_kill = await self.statuses(broadcast_id)
        in_doubt = [
            i for i, r in (await self.rows_of(broadcast_id)).items() if r["status"] == "sending"
        ]
        print(
            f"killed after {killed_after:.2f} s with {killed_at_sent} rows sent; rows then:"
            f" {dict(at_kill)}; {len(in_doubt)} rows in doubt (claimed, outcome not written)",
            flush=True,
        )

        # 2. the resume
        proc, out = self.start_sender("crash-2", grace, rate=self.args.crash_rate)
        second = await self.wait_sender(proc, out, "crash-2")
        after_resume = await self.statuses(broadcast_id)
        print(
            f"resume: reconciled {second['report']['reconciled']}, sent {second['report']['sent']}"
            f" in {second['elapsed']:.2f} s; rows now {dict(after_resume)}",
            flush=True,
        )

        # 3. past the grace period, with every receipt in: one more run resends the unconfirmed
        drained_wait = time.monotonic()
        await self.wait_receipts()
        drained_wait = time.monotonic() - drained_wait
        # The grace counts from when the resume marked the rows in doubt (in_doubt_since).
        settle = await self.seconds_until_grace_over(broadcast_id, grace)
        if settle > 0:
            await asyncio.sleep(min(settle, grace + 60))
        before_third = await self.rows_of(broadcast_id, in_doubt)
        proc, out = self.start_sender("crash-3", grace, rate=self.args.crash_rate)
        third = await self.wait_sender(proc, out, "crash-3")
        final_status = await self.wait_receipts()
        app_cpu = (proc_ticks(self.app_proc.pid) - app_ticks) / CLK_TCK
        final = await self.statuses(broadcast_id)
        print(
            f"receipts drained {drained_wait:.1f} s after the resume ended; third run:"
            f" reconciled {third['report']['reconciled']}, sent {third['report']['sent']}",
            flush=True,
        )

        # 4. what every phone got, and how each in-doubt row was settled
        counts, other = await self.deliveries(broadcast_id, before["last_id"])
        check = self.check_deliveries(counts)
        doubt_rows = await self.rows_of(broadcast_id, in_doubt)
        labels = {
            receipt_service.CONFIRMED: "sent, confirmed by WeChat's receipt",
            worker_service.IN_DOUBT: "still in doubt",
            worker_service.RESENT: "requeued, not sent again",
        }
        settled: Counter[str] = Counter()
        for row_id, row in doubt_rows.items():
            earlier = before_third.get(row_id, {})
            if row["status"] == "sent" and row["reason"] == receipt_service.CONFIRMED:
                how = labels[receipt_service.CONFIRMED]
            elif row["status"] == "sent" and earlier.get("status") == "unknown":
                how = "sent again after the grace (no receipt had come)"
            else:
                how = f"{row['status']}: {labels.get(row['reason'], row['reason'])}"
            copies = counts[row["openid"]]
            settled[f"{how} — {copies} message(s) on the phone"] += 1
        receipts_total = final_status["receipts"]
        return {
            "broadcast": broadcast_id,
            "killed_after": killed_after,
            "killed_at_sent": killed_at_sent,
            "at_kill": dict(at_kill),
            "in_doubt": len(in_doubt),
            "second": second,
            "third": third,
            "final": dict(final),
            "settled": dict(settled),
            "receipts": receipts_total,
            "app_cpu": app_cpu,
            "other_channels": other,
            **check,
        }


# Where a sender's time goes: (label, substrings that must all be in one frame of the stack).
SPY_BUCKETS = [
    ("event loop idle (waiting for sockets)", None),
    (
        "HTTP call to WeChat (transport._send: httpx + httpcore)",
        ["app/wechat/transport.py", "_send "],
    ),
    ("  httpcore pool: _assign_requests_to_connections", ["_assign_requests_to_connections"]),
    ("  httpcore current_async_library: failed `import sniffio`", ["current_async_library"]),
    ("  httpx response reading", ["httpx/_models.py", "aread"]),
    ("rows.claim (SKIP LOCKED claim, RETURNING → BroadcastRecipient)", ["rows.py", "claim "]),
    ("  BroadcastRecipient(**row) in claim (SQLModel validation)", ["rows.py", "<genexpr>"]),
    ("sender._flush → rows.record (executemany UPDATE) + commit", ["sender.py", "_flush "]),
    ("unit_of_work commit (any)", ["sqlalchemy/ext/asyncio/session.py", "commit "]),
    ("sender._still_wanted (broadcast status, 1/s)", ["_still_wanted "]),
    ("SQLAlchemy statement compilation", ["sqlalchemy/sql/compiler.py"]),
    ("asyncpg driver", ["asyncpg/"]),
    ("json.dumps of request bodies", ["json/encoder.py"]),
    ("structlog (logging)", ["structlog/"]),
    ("outside every app frame (event loop, task switching, GC)", []),
]


def print_samples(path: Path, top: int) -> None:
    """Summarise py-spy's raw stacks: buckets, the app's own functions, the costliest leaves."""
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(n for _, n in stacks) or 1

    def idle(frames: list[str]) -> bool:
        return "selectors.py" in frames[-1] or "select " in frames[-1]

    busy = sum(n for f, n in stacks if not idle(f)) or 1
    print(f"{total} samples, {busy / total:.0%} busy (on CPU or in a system call)")
    print(f"{'':4}{'% wall':>7}{'% busy':>7}  where")
    for label, needles in SPY_BUCKETS:
        if needles is None:
            hits = total - busy
        elif not needles:
            app = str(ROOT / "app") + "/"
            hits = sum(n for fr, n in stacks if not idle(fr) and not any(app in f for f in fr))
        else:
            hits = sum(
                n
                for frames, n in stacks
                if not idle(frames) and any(all(k in fr for k in needles) for fr in frames)
            )
        busy_share = "" if needles is None else f"{hits / busy:7.0%}"
        print(f"{'':4}{hits / total:7.0%}{busy_share:>7}  {label}")

    def name(frame: str) -> str:
        func, _, where = frame.partition(" (")
        file = where.rsplit(":", 1)[0]
        for marker in ("/site-packages/", "/lib/python3", str(ROOT) + "/"):
            if marker in file:
                file = file.split(marker, 1)[1]
        return f"{func} ({file})"

    def package(leaf: str) -> str:
        if "site-packages/" in leaf:
            return leaf.split("site-packages/")[1].split("/")[0]
        if str(ROOT / "app") + "/" in leaf:
            return "app/" + leaf.split(str(ROOT / "app") + "/")[1].split(":")[0]
        if "frozen importlib" in leaf or "_distutils_hack" in leaf:
            return "importlib (imports at run time: the failing `import sniffio`)"
        if "asyncio/" in leaf:
            return "asyncio (event loop, transports)"
        return "other standard library / native"

    packages: Counter[str] = Counter()
    for frames, n in stacks:
        if not idle(frames):
            packages[package(frames[-1])] += n
    print(f"\nown time by package (% of busy samples), top {top}:")
    for label, n in packages.most_common(top):
        print(f"  {n / busy:6.1%}  {label}")

    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, n in stacks:
        if idle(frames):
            continue
        own[name(frames[-1])] += n
        for label in {name(fr) for fr in frames if str(ROOT / "app") in fr}:
            inclusive[label] += n
    print(f"\nthe app's functions, inclusive (% of busy samples), top {top}:")
    for label, n in inclusive.most_common(top):
        print(f"  {n / busy:6.1%}  {label}")
    print(f"\ncostliest functions by own time (% of busy samples), top {top}:")
    for label, n in own.most_common(top):
        print(f"  {n / busy:6.1%}  {label}")


def median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        head = ""
    if not head:
        return f"{ROOT} (not a git checkout)"
    return head + (" with uncommitted changes in app/" if dirty else "")


async def run(bench: Bench) -> None:
    args = bench.args
    bench.migrate()
    await bench.open_db()
    try:
        seconds = await bench.add_members()
        print(
            f"{args.recipients} people and bound followers inserted in {seconds:.2f} s", flush=True
        )
        await bench.start_sandbox()
        wanted = args.rounds > 0 or args.profile or args.py_spy
        results = await bench.phase1() if wanted else []
        crash = None if args.skip_crash else await bench.phase2()
        final = await bench.final_check()
    finally:
        await bench.engine.dispose()
    for key, check in final.items():
        if check["duplicates"] or check["lost"] or check["strangers"]:
            bench.problems.append(f"{key}: {check}")

    print_summary(args, bench.ideal, results, crash, final)


def print_summary(
    args: argparse.Namespace,
    ideal: float,
    results: list[dict[str, Any]],
    crash: dict[str, Any] | None,
    final: dict[str, Any],
) -> None:
    cores = os.cpu_count() or 1
    print("\n=== summary ===")
    print(f"app code: {revision()}; machine: {cores} cores, load {os.getloadavg()[0]:.2f}")
    if args.senders != 1:
        print(f"{args.senders} sender processes share C (as several instances would)")
    if results:

        def med(key: str) -> float:
            return median(results, key)

        elapsed = med("elapsed")
        per_second = args.concurrency / args.latency_ms * 1000
        one = "one process, one core" if args.senders == 1 else f"{args.senders} processes"
        bad = [r for r in results if r["duplicates"] or r["lost"] or r["strangers"] or r["errors"]]
        lines = [
            f"N={args.recipients}  C={args.concurrency}  latency={args.latency_ms:g} ms"
            f"  ideal={ideal:.2f} s  (medians of {len(results)} rounds)",
            f"  run() elapsed        {elapsed:8.2f} s   (wall incl. start-up {med('wall'):.2f} s)",
            f"  ideal / elapsed      {ideal / elapsed:8.0%}    (target ≥ 80%,"
            f" elapsed ≤ {ideal / 0.8:.2f} s)",
            f"  requests/s           {med('rps'):8.0f}    (ideal {per_second:.0f})",
            f"  peak RSS (sender)    {med('rss_mb'):8.0f} MB  (target < 250 MB;"
            f" {med('rss_before_mb'):.0f} MB before run(); VmHWM, ru_maxrss says"
            f" {med('ru_maxrss_mb'):.0f} MB, inherited over fork from this parent)",
            f"  CPU s per round      sender run() {med('cpu_sender'):.1f}"
            f" (process {med('cpu_sender_total'):.1f}), sandbox {med('cpu_sandbox'):.1f},"
            f" postgres {med('cpu_postgres'):.1f}, others on the machine {med('cpu_others'):.1f};"
            f" machine busy {med('cpu_machine'):.1f} of {cores * med('wall'):.1f}"
            f" ({cores} cores × wall)",
            f"  sender CPU per row   {med('cpu_sender') / args.recipients * 1e3:8.2f} ms"
            f"  (elapsed can't beat the sender's CPU: {one})",
            f"  new HTTP connections {med('connections'):8.0f}    per round (sandbox side)",
            f"  broadcast prep       {med('prep'):8.2f} s   (plan + rows.create, not timed above)",
            "  deliveries           every member exactly one message in every round"
            if not bad
            else f"  deliveries           MISMATCH in {len(bad)} round(s): {bad}",
        ]
        print("\n".join(lines))
    if crash:
        print(f"crash test (grace {args.grace_seconds} s):")
        print(
            f"  killed after {crash['killed_after']:.2f} s at {crash['killed_at_sent']} sent;"
            f" {crash['in_doubt']} rows in doubt"
        )
        print(f"  resume reconciled {crash['second']['report']['reconciled']}")
        print(f"  third run reconciled {crash['third']['report']['reconciled']}")
        print(f"  rows by status at the end: {crash['final']}")
        print(
            f"  sandbox receipts: {crash['receipts']}; the app server spent"
            f" {crash['app_cpu']:.1f} s CPU on the phase's callbacks"
        )
        print("  in-doubt rows settled:")
        for how, count in sorted(crash["settled"].items()):
            print(f"    {count:6d}  {how}")
        print(
            f"  deliveries: {crash['delivered']} messages; duplicates {crash['duplicates']}"
            f" (extra messages {crash['extra_messages']}), lost {crash['lost']},"
            f" unknown openids {crash['strangers']}  (target 0 and 0)"
        )
        if crash["other_channels"]:
            print(
                f"  meanwhile {crash['other_channels']} deliveries of earlier broadcasts"
                " (rows they had left in doubt, resent after the grace)"
            )
    print("every broadcast of this run, over the sandbox's whole history:")
    for key, check in final.items():
        verdict = (
            "ok" if not (check["duplicates"] or check["lost"] or check["strangers"]) else "MISMATCH"
        )
        print(
            f"  {key:28} {check['delivered']:6d} delivered, dup {check['duplicates']},"
            f" lost {check['lost']}, rows {check['statuses']}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-crash", action="store_true")
    parser.add_argument("--keep-db", action="store_true", help="leave the database (name printed)")
    parser.add_argument(
        "--senders", type=int, default=1, help="sender processes per round in phase 1"
    )
    parser.add_argument(
        "--sandbox-keep-alive",
        type=float,
        default=5.0,
        help="seconds the sandbox keeps an idle connection open (uvicorn's default 5)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs and profiles")
    parser.add_argument("--grace-seconds", type=int, default=5, help="receipt grace, phase 2")
    parser.add_argument(
        "--crash-rate",
        type=float,
        default=150,
        help="the sender's calls/s in phase 2: each receipt costs the one app process ~3-4 ms of"
        " CPU on these shared 2 cores; much faster, and receipts queue up in the sandbox until"
        " its template/send answers time out (phase 2 checks correctness, not speed)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="one more round under cProfile: print N functions"
    )
    parser.add_argument(
        "--py-spy",
        type=int,
        default=0,
        help="one more round sampled by py-spy (pip install py-spy): print N functions",
    )
    parser.add_argument("--child-send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_send:
        child_send(args.child_profile)
        return
    if args.recipients < 2 or args.concurrency < 1 or args.latency_ms <= 0:
        parser.error("need at least 2 recipients, a concurrency ≥ 1 and a positive latency")

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C stops the run and cleans up, even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    database = f"shente_bench_{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="shente-bench-broadcast-"))
    children = Children()
    bench = Bench(args=args, database=database, workdir=workdir, children=children)
    bench.prepare_env()
    ok = False
    try:
        asyncio.run(pg(f'CREATE DATABASE "{database}"'))
        asyncio.run(run(bench))
        ok = True
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
    finally:
        children.stop_all()
        if args.keep_db:
            print(f"database kept: {bench.database_url}", file=sys.stderr)
        else:
            asyncio.run(pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        if bench.problems:
            print("\nproblems:\n  " + "\n  ".join(bench.problems), file=sys.stderr)
        if ok and not bench.problems and not args.keep_db and not args.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)
    if not ok or bench.problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
