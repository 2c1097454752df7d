"""刊物 in the console: the issue form, the series, the list and preview."""

from app.features import combined
from app.web.admin.newsletters import form, pages, series

router = combined(
    form,
    series,
    pages,
)

__all__ = ["router"]
