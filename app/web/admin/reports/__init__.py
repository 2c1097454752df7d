"""支部概览与工作台账 in the console."""

from app.features import combined
from app.web.admin.reports import dashboard

router = combined(dashboard)

__all__ = ["router"]
