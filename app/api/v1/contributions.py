"""岗位建功 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/contributions", tags=["contributions"])
