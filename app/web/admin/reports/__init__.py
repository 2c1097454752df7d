"""支部概览与工作台账 in the console."""

from app.features import combined

router = combined()

__all__ = ["router"]
