"""`shente serve`: WEB_CONCURRENCY workers behind the proxy, each on a listener of its own."""

from __future__ import annotations

import socket
from multiprocessing.reduction import ForkingPickler
from typing import Any

import pytest
from typer.testing import CliRunner

from app import serving
from app.cli.main import cli
from app.config import get_settings
from tests.support.ports import free_port

CONNECTIONS = 40


def test_serve_runs_web_concurrency_workers_trusting_the_proxy(monkeypatch):
    supervised: list[tuple[Any, list[socket.socket]]] = []
    single: list[dict[str, Any]] = []

    class Supervisor:
        def __init__(self, config: Any, sockets: list[socket.socket]) -> None:
            supervised.append((config, sockets))

        def run(self) -> None:
            """Serve nothing: the test reads what the command set up."""

    monkeypatch.setattr("uvicorn.supervisors.Multiprocess", Supervisor)
    monkeypatch.setattr("uvicorn.run", lambda app, **options: single.append(options))
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")
    get_settings.cache_clear()  # the command reads the environment of now
    port = free_port()
    try:
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
        assert result.exit_code == 0, result.output
        assert CliRunner().invoke(cli, ["serve", "--reload"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    config, (reserved,) = supervised[0]
    assert config.workers == 3 and config.proxy_headers is True
    assert config.forwarded_allow_ips == "10.0.0.2"
    assert config.timeout_worker_healthcheck >= 30  # workers start slowly when busy
    assert isinstance(reserved, serving.OwnListeners)
    assert reserved.getsockname() == ("127.0.0.1", port)
    reserved.close()
    assert single[0]["workers"] == 1  # uvicorn cannot reload several workers


@pytest.mark.skipif(not serving.SPREADS_CONNECTIONS, reason="SO_REUSEPORT spreads only on Linux")
def test_each_worker_listens_on_its_own_socket_and_connections_spread():
    reserved = serving.reserve("127.0.0.1", 0)
    address = reserved.getsockname()
    # The supervisor's socket holds the port, and is handed no connection.
    with pytest.raises(ConnectionRefusedError), socket.create_connection(address, timeout=2):
        pass
    with pytest.raises(OSError):  # nor can anyone else bind the port meanwhile
        socket.socket().bind(address)
    # What a worker gets (multiprocessing pickles its sockets): a listener of its own.
    workers = [ForkingPickler.loads(ForkingPickler.dumps(reserved)) for _ in range(2)]
    clients: list[socket.socket] = []
    try:
        assert len({w.fileno() for w in workers} | {reserved.fileno()}) == 3
        for worker in workers:
            assert worker.getsockname() == address
            worker.listen(CONNECTIONS)
            worker.setblocking(False)
        clients = [socket.create_connection(address, timeout=2) for _ in range(CONNECTIONS)]
        accepted = [_accept_all(worker) for worker in workers]
        # The kernel spread them by a hash of their addresses: neither worker took them all.
        assert sum(accepted) == CONNECTIONS and min(accepted) > 0, accepted
    finally:
        for sock in [*clients, *workers, reserved]:
            sock.close()


def _accept_all(listener: socket.socket) -> int:
    """Accept what waits on the listener; how many."""
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1
