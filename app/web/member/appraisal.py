"""民主评议党员 member pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m", include_in_schema=False)
