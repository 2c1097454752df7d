"""廉洁承诺书 in the console: campaigns, their form, and who has signed."""

from fastapi import APIRouter

from app.web.admin.pledges import pages, progress

router = APIRouter()
for module in (
    progress,  # /pledges/{id}/… before the campaign form's routes
    pages,
):
    router.include_router(module.router)

__all__ = ["router"]
