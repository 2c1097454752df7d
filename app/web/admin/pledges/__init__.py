"""廉洁承诺书 in the console: campaigns, their form, and who has signed."""

from app.web.admin.pledges import pages, progress
from app.web.routers import combined

router = combined(
    progress,  # /pledges/{id}/… before the campaign form's routes
    pages,
)

__all__ = ["router"]
