"""The member's test page /m/quizzes/<id>: answer, submit, see the result and explanations."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/m", include_in_schema=False)
