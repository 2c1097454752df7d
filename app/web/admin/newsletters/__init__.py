"""刊物 in the console: the issue form, the series, the list and preview."""

from fastapi import APIRouter

from app.web.admin.newsletters import form, pages, series

router = APIRouter()
for module in (
    form,
    series,
    pages,
):
    router.include_router(module.router)

__all__ = ["router"]
