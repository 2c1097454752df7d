"""会议与学习日 in the console: the year, QR codes, a meeting, files, forms, the rule, leave."""

from fastapi import APIRouter

from app.web.admin.meetings import attachments, detail, form, leaves, pages, qr, rule, year

router = APIRouter()
for module in (
    year,  # /meetings/year before /meetings/{id}
    qr,
    detail,
    attachments,
    form,
    rule,
    leaves,
    pages,
):
    router.include_router(module.router)

__all__ = ["router"]
