"""三亮三挂三考核 in the console."""

from app.features import combined
from app.web.admin.assessments import periods, schemes, sheets

router = combined(schemes, sheets, periods)

__all__ = ["router"]
