"""发展党员工作台账 (.xlsx, one row per person) and one person's file (.xlsx)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
