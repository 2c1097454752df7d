"""nginx with deploy/nginx/shente.conf in front of replicas on loopback: what reaches the app, and
which requests go to another replica when one fails."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.support import nginx
from tests.support.ports import free_port


class Replica(ThreadingHTTPServer):
    """A stand-in app replica that counts requests; `closes` drops each after reading it."""

    daemon_threads = True

    def __init__(self, *, closes: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.closes = closes
        self.requests = 0
        self.headers_seen: list[dict[str, str]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        """host:port for the upstream block."""
        return f"127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Replica

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests += 1
        self.server.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.server.closes:  # the replica died with the request in hand
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = json.dumps({"port": self.server.server_address[1]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Quiet."""


def running_nginx(prefix: Path, upstreams: list[str]) -> Iterator[tuple[str, str]]:
    """nginx on two loopback ports in front of `upstreams`; yields its http and https bases."""
    ports = (free_port(), free_port())
    nginx.prepare(prefix, upstreams=upstreams, ports=ports)
    process = subprocess.Popen(nginx.command(prefix), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", ports[1]), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr and process.stderr.read()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{ports[0]}", f"https://127.0.0.1:{ports[1]}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Callable[..., tuple[str, str]]]:
    """Start nginx in front of the given replicas: `proxy(replica_or_address, …)`."""
    started: list[Iterator[tuple[str, str]]] = []

    def start(*upstreams: Replica | str) -> tuple[str, str]:
        nginx.require_nginx()
        prefix = tmp_path / f"nginx{len(started)}"
        prefix.mkdir()
        addresses = [u.address if isinstance(u, Replica) else u for u in upstreams]
        running = running_nginx(prefix, addresses)
        started.append(running)
        return next(running)

    yield start
    for running in started:
        next(running, None)


def test_the_client_address_is_overwritten_and_http_redirects(proxy):
    replica = Replica()
    http, https = proxy(replica)
    with httpx.Client(verify=False, timeout=5) as client:
        response = client.get(f"{https}/admin/", headers={"X-Forwarded-For": "6.6.6.6"})
        assert response.status_code == 200
        seen = replica.headers_seen[-1]
        # A forged X-Forwarded-For never reaches the app (uvicorn would trust its first entry).
        assert seen["x-forwarded-for"] == "127.0.0.1" and seen["x-real-ip"] == "127.0.0.1"
        assert seen["x-forwarded-proto"] == "https" and seen["x-request-id"]
        redirect = client.get(f"{http}/wechat?x=1")
        assert redirect.status_code == 301
        assert (
            redirect.headers["location"].startswith("https://")
            and "/wechat?x=1" in (redirect.headers["location"])
        )
        # WeChat's pushes are small: 64 KiB at most on /wechat, 12 MiB elsewhere.
        too_big = client.post(f"{https}/wechat", content=b"x" * (65 * 1024))
        assert too_big.status_code == 413 and replica.requests == 1
        assert client.post(f"{https}/admin/upload", content=b"x" * (65 * 1024)).status_code == 200
        assert client.get(f"{https}/metrics").status_code == 404


def test_a_callback_is_retried_on_another_replica_after_one_died_with_it(proxy):
    dying, live = Replica(closes=True), Replica()
    _, https = proxy(dying, live)
    with httpx.Client(verify=False, timeout=5) as client:
        response = client.post(f"{https}/wechat", content=b"<xml/>")
    assert response.status_code == 200
    assert (dying.requests, live.requests) == (1, 1)  # sent to the first, answered by the other


def test_a_console_post_is_not_repeated_once_a_replica_had_it(proxy):
    dying, live = Replica(closes=True), Replica()
    _, https = proxy(dying, live)
    with httpx.Client(verify=False, timeout=5) as client:
        response = client.post(f"{https}/admin/people/new", content=b"name=x")
    assert response.status_code == 502
    assert (dying.requests, live.requests) == (1, 0)


def test_a_request_no_replica_received_goes_to_a_live_one(proxy):
    live = Replica()
    _, https = proxy(f"127.0.0.1:{free_port()}", live)  # the first replica is down
    with httpx.Client(verify=False, timeout=5) as client:
        assert client.post(f"{https}/admin/people/new", content=b"name=x").status_code == 200
        assert client.post(f"{https}/wechat", content=b"<xml/>").status_code == 200
    assert live.requests == 2
