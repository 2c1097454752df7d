"""岗位建功 in the console."""

from app.features import combined

router = combined()

__all__ = ["router"]
