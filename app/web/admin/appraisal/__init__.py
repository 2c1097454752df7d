"""民主评议党员 in the console."""

from app.features import combined
from app.web.admin.appraisal import rounds, verdicts

router = combined(
    verdicts,  # /appraisal/{id}.xlsx before the round's page
    rounds,
)

__all__ = ["router"]
