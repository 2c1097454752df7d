"""民主评议党员 in the console."""

from app.features import combined

router = combined()

__all__ = ["router"]
