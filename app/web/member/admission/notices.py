"""公示 pages: the notice anyone following may read, and its objection form."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m")
