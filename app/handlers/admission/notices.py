"""「公示」: the notices open now, with the page where anyone following may object."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
