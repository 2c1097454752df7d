"""题库: import questions from .xlsx, browse, retire."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/questions")
