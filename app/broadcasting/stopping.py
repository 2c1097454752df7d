"""A sender's stop: asked for by stop() (SIGTERM), or by the process closing the client's limiter.

Closing the limiter is what hands rows back: every request still waiting for its turn raises
LimiterClosed before it leaves, and its row goes back to `pending` for the next sender instead of
waiting out the in-doubt grace. Requests already sent finish and their outcomes are written.
"""

from __future__ import annotations

import asyncio
import contextlib

from app.wechat.client import WeChatClient


class StopSignal:
    """Whether a sender should stop claiming; the scheduler's shutdown closes the limiter only."""

    def __init__(self, client: WeChatClient) -> None:
        self._client = client
        self._event = asyncio.Event()

    def set(self) -> None:
        """Stop: claim nothing more, and close the limiter so unsent claims come back."""
        self._event.set()
        if self._client.limiter is not None:
            self._client.limiter.close()

    @property
    def requested(self) -> bool:
        """True once set, or once the process closed the client's limiter."""
        limiter = self._client.limiter
        return self._event.is_set() or (limiter is not None and limiter.closed)

    async def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less if stop() comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
