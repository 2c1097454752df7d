"""The member's pledge page /m/pledges/<id>: read the full text and tap 我承诺."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m", include_in_schema=False)
