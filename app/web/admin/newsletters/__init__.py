"""刊物 in the console: the issue form, the series, the list and preview."""

from app.web.admin.newsletters import form, pages, series
from app.web.routers import combined

router = combined(
    form,
    series,
    pages,
)

__all__ = ["router"]
