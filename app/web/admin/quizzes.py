"""知识测试: list, form, publish, close."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/quizzes")
