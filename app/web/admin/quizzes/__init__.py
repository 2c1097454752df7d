"""知识测试 in the console: the question bank, tests, and their results."""

from app.features import combined
from app.web.admin.quizzes import bank, pages, results

router = combined(
    bank,
    results,
    pages,
)

__all__ = ["router"]
