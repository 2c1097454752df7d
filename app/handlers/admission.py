"""组织发展 in the chat: 思想汇报 (text or photos) and 公示 (open notices, how to object)."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
