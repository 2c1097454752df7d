"""组织发展 member pages: a 公示 and its objection form, a thought report for its contact."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m")
