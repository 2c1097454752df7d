"""How `shente serve` runs uvicorn's workers: each on a listening socket of its own (Linux).

uvicorn's supervisor binds one socket and hands it to every worker. They then race to accept,
and a worker that wins takes every connection waiting: when 16 connections arrive together, one
worker often takes 12 to 16 of them and keeps them, and the others stay idle while it is
saturated (measured on the callback bench: two workers served 1.17–1.37× one, by how the
connections happened to fall). With SO_REUSEPORT each worker listens on a socket of its own on
the same address, and the kernel spreads new connections over them by a hash of each one's
addresses. This module is imported by every worker: keep it light.
"""

from __future__ import annotations

import socket
import sys
from typing import Any, SupportsIndex

# Where the kernel spreads connections over the sockets of a SO_REUSEPORT group; elsewhere (a
# BSD or macOS) one socket of the group would get them all, and the shared socket is better.
SPREADS_CONNECTIONS = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def listener(family: int, address: Any) -> socket.socket:
    """A socket bound to the address in the SO_REUSEPORT group (the worker listens on it)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


class OwnListeners(socket.socket):
    """The supervisor's socket: bound, never listening, so it holds the port (a busy port fails
    at once, in the parent) but is handed no connection. Each worker the supervisor starts,
    including one it restarts, receives a new socket bound to the same address instead of a
    copy of this one."""

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Sent to a worker (pickled by multiprocessing): a new listener on the same address."""
        return listener, (self.family, self.getsockname())


def reserve(host: str, port: int) -> OwnListeners:
    """The supervisor's socket for host:port, from which each worker gets a listener."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return OwnListeners(family, socket.SOCK_STREAM, fileno=listener(family, address).detach())
