"""组织发展 in the console: the pipeline board, development files, 公示, courses, the calendar."""

from app.features import combined
from app.web.admin.admission import (
    board,
    calendar,
    courses,
    documents,
    exports,
    files,
    notices,
    opening,
    reports,
)

router = combined(
    exports,  # /admission/ledger.xlsx and /admission/files/{id}.xlsx before the file pages
    board,
    files,
    opening,
    documents,
    notices,
    reports,
    courses,
    calendar,
)

__all__ = ["router"]
