"""三亮三挂三考核 in the chat."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
