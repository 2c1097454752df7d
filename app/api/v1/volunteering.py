"""志愿服务 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/volunteering", tags=["volunteering"])
