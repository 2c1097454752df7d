"""志愿服务 in the console."""

from app.features import combined
from app.web.admin.volunteering import activities, ledger, participants, teams

router = combined(
    activities,  # /activities/new before /activities/{id}
    participants,
    ledger,
    teams,
)

__all__ = ["router"]
