"""「思想汇报」: an activist, candidate or probationary member hands in a thought report."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
