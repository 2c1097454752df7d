"""发展对象培训班: courses, their sessions (meetings), enrolment and who has passed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
