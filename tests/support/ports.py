"""Loopback ports for the servers tests start (nginx, `shente serve`, a private Redis)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on now (a dead replica's, or one to serve on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
