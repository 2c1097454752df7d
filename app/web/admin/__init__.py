"""The admin console at /admin/: the shell (sign-in, home, jobs) and every feature's pages.

Wire it in app.main.create_app with `app.include_router(router)` and `add_error_pages(app)`.
Every POST under /admin/ must carry the session's CSRF token (checked before anything else).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.features import combined, layer_modules
from app.web.admin import auth, home, jobs
from app.web.admin.deps import ConsoleUser, csrf_protect
from app.web.admin.pages import NotFound, add_error_pages

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(csrf_protect)])

combined(auth, home, *layer_modules("web.admin"), jobs, into=router)


@router.get("/{path:path}", response_class=HTMLResponse)
async def not_found(request: Request, path: str, me: ConsoleUser) -> HTMLResponse:
    """Any other console address: the console's own 404 page."""
    raise NotFound("这个页面不存在。请从左侧菜单进入。")


__all__ = ["add_error_pages", "router"]
