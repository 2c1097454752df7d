"""三亮三挂三考核 over REST, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/assessments", tags=["assessments"])
