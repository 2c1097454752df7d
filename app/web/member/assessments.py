"""三亮三挂三考核 member pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m", include_in_schema=False)
