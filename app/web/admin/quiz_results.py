"""A test's results: who took it, scores, the questions most got wrong, export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/quizzes")
