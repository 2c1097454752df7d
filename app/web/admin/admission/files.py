"""Development files: open one, record steps with their documents, reviews, history entry."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
