"""廉洁承诺书 campaigns: list, form, publish, cancel."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/pledges")
