"""An httpx transport that spreads requests over several small connection pools.

httpcore's pool does work proportional to (connections × waiting requests) each time a
request starts or ends; with 50 requests in flight that bookkeeping was the largest cost of
a broadcast sender (measured with py-spy: 27 % of its CPU). Pools of ~8 connections keep it
small; requests are dealt out round-robin, so the total stays `max_connections`.
"""

from __future__ import annotations

import itertools
import math

import httpx

SHARD_SIZE = 8  # connections per pool


class ShardedTransport(httpx.AsyncBaseTransport):
    """Round-robin over ceil(max_connections / 8) pools of at most 8 connections each."""

    def __init__(self, max_connections: int) -> None:
        """Build the pools; each keeps its connections alive between requests."""
        shards = max(1, math.ceil(max_connections / SHARD_SIZE))
        per_shard = max(1, math.ceil(max_connections / shards))
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(shards)]
        self._next = itertools.cycle(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the next pool."""
        return await next(self._next).handle_async_request(request)

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self._pools:
            await pool.aclose()
