"""岗位建功 in the console: the list and its export, one contribution's pages."""

from app.features import combined
from app.web.admin.contributions import lists, records

router = combined(lists, records)

__all__ = ["router"]
