"""Answering a knowledge test in the chat, one question at a time."""

from __future__ import annotations

from app.handlers.registry import MessageRouter

router = MessageRouter()
