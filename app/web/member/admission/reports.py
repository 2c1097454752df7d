"""A thought report, opened by its 培养联系人 from a signed link, acknowledged with a comment."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m")
