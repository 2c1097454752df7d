"""组织发展 member pages: a 公示 with its objection form; a thought report for its contact."""

from app.features import combined
from app.web.member.admission import notices, reports

router = combined(notices, reports)

__all__ = ["router"]
