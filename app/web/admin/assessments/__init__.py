"""三亮三挂三考核 in the console."""

from app.features import combined

router = combined()

__all__ = ["router"]
