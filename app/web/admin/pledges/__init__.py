"""廉洁承诺书 in the console: campaigns, their form, and who has signed."""

from app.features import combined
from app.web.admin.pledges import pages, progress

router = combined(
    progress,  # /pledges/{id}/… before the campaign form's routes
    pages,
)

__all__ = ["router"]
