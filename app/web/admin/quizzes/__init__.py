"""知识测试 in the console: the question bank, tests, and their results."""

from fastapi import APIRouter

from app.web.admin.quizzes import bank, pages, results

router = APIRouter()
for module in (
    bank,
    results,
    pages,
):
    router.include_router(module.router)

__all__ = ["router"]
