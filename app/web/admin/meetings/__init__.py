"""会议与学习日 in the console: the year, QR codes, a meeting, files, forms, the rule, leave."""

from app.features import combined
from app.web.admin.meetings import attachments, detail, form, leaves, pages, qr, rule, year

router = combined(
    year,  # /meetings/year before /meetings/{id}
    qr,
    detail,
    attachments,
    form,
    rule,
    leaves,
    pages,
)

__all__ = ["router"]
