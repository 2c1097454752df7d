"""我承诺 in the chat, and the 廉洁承诺 menu button."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
