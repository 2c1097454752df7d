"""The production topology as plain processes on loopback: PostgreSQL, Redis, the WeChat sandbox,
two app instances behind haproxy, a scheduler and its standby.

Everything is private to one run (a temp dir, ports of its own): the machine's shared PostgreSQL
and Redis are never touched. Every process is started here and stopped by its own id.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.broadcast import Children
from bench.callback import ROOT, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# haproxy's httplog connection counts: active/frontend/backend/server/retries ("+" redispatched).
# They come right before the queue counts (server/backend), unlike the timers, before a status.
PROXY_CONNS = re.compile(r" \d+/\d+/\d+/\d+/(\+?\d+) \d+/\d+ ")
# haproxy in front of the apps, as the compose file's proxy: health checks, and a request whose
# instance died (refused, reset) goes once more to the other one — not one that is only slow:
# that would double the work of an instance already behind (WeChat retries after 5 s). Checks are
# patient (3 s, three misses): an instance busy with the whole load while the other restarts is
# slow, not down, and with both marked down every request would get haproxy's own 503.
HAPROXY_CFG = """\
global
    maxconn 4000
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 4500ms
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response junk-response
    option http-buffer-request
frontend wechat
    bind 127.0.0.1:{port}
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    timeout check 3s
    default-server inter 1s fall 3 rise 2
{servers}
"""


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse root: run them as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster in a temp dir on its own port (trust auth, user postgres)."""

    home: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.home / "pg"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/shente"

    def _ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=300"
        )
        cmd = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "log")]
        subprocess.run(
            _as_postgres([*cmd, "-w", "-t", "60", "-o", options, *args]),
            check=True,
            capture_output=True,
        )

    def init(self) -> None:
        """initdb, start, and create the database `shente`."""
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            _as_postgres([*initdb, "-E", "UTF8", "--no-sync"]), check=True, capture_output=True
        )
        self._ctl("start")
        createdb = [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        subprocess.run([*createdb, "-U", "postgres", "shente"], check=True, capture_output=True)

    def restart(self) -> None:
        """pg_ctl restart -m fast: every connection is cut, the server is back in a moment."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop the cluster (fast), ignoring one that is not running."""
        try:
            self._ctl("stop", "-m", "fast")
        except subprocess.CalledProcessError:
            pass


@dataclass
class Service:
    """One long-running child: how to start it, its process, its log."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    health: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Cluster:
    """Starts, breaks and restores the topology; `env` is what every app process is given."""

    def __init__(self, wechat: dict[str, str], base_env: dict[str, str]) -> None:
        """Pick ports and a temp dir; nothing starts until `start_database()` and `start()`."""
        self.home = Path(tempfile.mkdtemp(prefix="shente-faults-"))
        self.home.chmod(0o755)  # the postgres user needs to reach its data dir inside
        self.children = Children()
        self.pg = PrivatePostgres(self.home)
        self.redis_port, self.proxy_port, self.sandbox_port = free_port(), free_port(), free_port()
        self.wechat = wechat
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.proxy_url = f"http://127.0.0.1:{self.proxy_port}"
        self.env = base_env | {
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "WECHAT_API_BASE_URL": self.sandbox_url,
            "BROADCAST_CONCURRENCY": "10",
            "BROADCAST_RATE_PER_SECOND": "60",
            "LOG_LEVEL": "WARNING",
            # One process per instance: a SIGKILL of `shente serve` then takes the whole instance.
            "WEB_CONCURRENCY": "1",
            # A row left in doubt is sent again after this grace unless its receipt came: short
            # here, so a lost receipt shows as a member served twice within the scenario.
            "BROADCAST_RECEIPT_GRACE_SECONDS": "15",
        }
        py = sys.executable
        redis = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        self.redis = Service(
            "redis", [*redis, "--save", "", "--appendonly", "no"], {}, self.home / "redis.log"
        )
        self.apps = [
            Service(
                f"app{n}",
                [py, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                self.env | {"INSTANCE_ID": f"app{n}"},
                self.home / f"app{n}.log",
                health=f"http://127.0.0.1:{port}/healthz",
            )
            for n, port in ((1, free_port()), (2, free_port()))
        ]
        self.schedulers = [
            Service(
                f"scheduler{n}",
                [py, "-m", "app.cli", "scheduler"],
                self.env | {"INSTANCE_ID": f"scheduler{n}"},
                self.home / f"scheduler{n}.log",
            )
            for n in (1, 2)
        ]
        cfg = str(self.home / "haproxy.cfg")
        self.proxy = Service("haproxy", ["haproxy", "-db", "-f", cfg], {}, self.home / "proxy.log")
        self.proxy.health = self.proxy_url + "/healthz"
        self.sandbox: Service | None = None

    def lease_owner(self, holder: str) -> Service | None:
        """The scheduler a lease holder names: INSTANCE_ID first, else host:pid:suffix."""
        name, _, rest = holder.partition(":")
        for scheduler in self.schedulers:
            if name == scheduler.name or rest.split(":")[0] == str(
                scheduler.proc and scheduler.pid
            ):
                return scheduler
        return None

    def proxy_retries(self) -> int:
        """Requests haproxy has sent again (to the other instance) so far, from its log."""
        if not self.proxy.log.exists():
            return 0
        found = (PROXY_CONNS.search(line) for line in self.proxy.log.read_text().splitlines())
        return sum(1 for m in found if m and m.group(1) != "0")

    # --- processes ------------------------------------------------------------------------
    def spawn(self, service: Service) -> None:
        """Start (or start again) one service, without waiting."""
        service.proc = self.children.start(
            service.cmd, service.env or dict(os.environ), service.log
        )

    def ready(self, service: Service) -> None:
        """Wait until a spawned service answers."""
        if service.health:
            wait_ok(service.health, service)
        elif service is self.redis:
            wait_port(self.redis_port, service)

    def launch(self, service: Service) -> None:
        """Start (or start again) one service and wait until it answers."""
        self.spawn(service)
        self.ready(service)

    def kill(
        self, service: Service, sig: signal.Signals = signal.SIGKILL, wait: float = 30
    ) -> None:
        """Send `sig` to one service we started, and wait for it to exit."""
        assert service.proc is not None
        if service.proc.poll() is None:
            service.proc.send_signal(sig)
        service.proc.wait(timeout=wait)

    def start_database(self) -> None:
        """The private PostgreSQL, migrated."""
        self.pg.init()
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=180,
        )

    def start(self, openids: list[str]) -> None:
        """Redis, the sandbox (with these followers), the apps, the proxy, the schedulers.

        They start side by side: importing the app takes seconds of CPU on a busy machine.
        """
        self.launch(self.redis)
        self.sandbox = self.sandbox_service(openids)
        servers = "\n".join(
            f"    server {a.name} {a.health.split('/')[2]} check" for a in self.apps
        )
        (self.home / "haproxy.cfg").write_text(
            HAPROXY_CFG.format(port=self.proxy_port, servers=servers)
        )
        everything = [self.sandbox, *self.apps, self.proxy, *self.schedulers]
        for service in everything:
            self.spawn(service)
        for service in everything:
            self.ready(service)

    def sandbox_service(self, openids: list[str]) -> Service:
        """The WeChat sandbox as its own server; its receipts go to /wechat through the proxy."""
        listing = self.home / "openids.txt"
        listing.write_text("\n".join(openids) + "\n")
        w = self.wechat
        cmd = [sys.executable, str(ROOT / "bench" / "_sandbox_server.py")]
        cmd += ["--port", str(self.sandbox_port), "--openids", str(listing)]
        cmd += ["--latency-ms", "20", "--callback-url", self.proxy_url + "/wechat"]
        cmd += ["--app-id", w["app_id"], "--app-secret", w["app_secret"], "--token", w["token"]]
        cmd += ["--aes-key", w["aes_key"]]
        service = Service("sandbox", cmd, self.env, self.home / "sandbox.log")
        service.health = self.sandbox_url + "/_bench/status"
        return service

    def stop_all(self, keep: bool = False) -> None:
        """Stop every child, then the database; remove the temp dir unless asked to keep it."""
        self.children.stop_all()
        self.pg.stop()
        if not keep:
            shutil.rmtree(self.home, ignore_errors=True)


def wait_ok(url: str, service: Service, timeout: float = 120) -> None:
    """Poll `url` until it answers 200, failing early when the process has exited."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as http:
        while time.monotonic() < deadline:
            if not service.alive:
                raise RuntimeError(f"{service.name} exited; see {service.log}")
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{service.name} did not answer {url} within {timeout:.0f} s")


def wait_port(port: int, service: Service, timeout: float = 30) -> None:
    """Poll until something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive:
            raise RuntimeError(f"{service.name} exited; see {service.log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{service.name} did not listen on {port}")
