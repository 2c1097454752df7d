"""组织发展: the pipeline board (next step per person, overdue in red), the probation countdown."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
