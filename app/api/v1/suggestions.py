"""合理化建议 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/suggestions", tags=["suggestions"])
