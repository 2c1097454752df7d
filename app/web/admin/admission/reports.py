"""Thought reports in the console: read one, acknowledge it with a comment."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
