"""知识测试 in the console: the question bank, tests, and their results."""

from app.web.admin.quizzes import bank, pages, results
from app.web.routers import combined

router = combined(
    bank,
    results,
    pages,
)

__all__ = ["router"]
