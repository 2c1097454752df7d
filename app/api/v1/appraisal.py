"""民主评议党员 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/appraisal", tags=["appraisal"])
