"""微感悟 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/reflections", tags=["reflections"])
