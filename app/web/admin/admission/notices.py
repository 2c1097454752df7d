"""公示 in the console: start one, its objections and the findings, the Word document."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
