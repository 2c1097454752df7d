"""合理化建议 in the console."""

from app.features import combined
from app.web.admin.suggestions import campaigns, detail, figures, queue

router = combined(
    figures,  # /suggestions/figures before /suggestions/{id}
    campaigns,
    queue,
    detail,
)

__all__ = ["router"]
