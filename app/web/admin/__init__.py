"""The admin console at /admin/: server-rendered pages, one router module per concept.

Wire it in app.main.create_app with `app.include_router(router)` and `add_error_pages(app)`.
Every POST under /admin/ must carry the session's CSRF token (checked before anything else).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.web.admin import (
    api_tokens,
    audit,
    auth,
    bindings,
    broadcasts,
    home,
    jobs,
    meeting_attachments,
    meeting_detail,
    meeting_form,
    meeting_leaves,
    meeting_qr,
    meeting_rule,
    meeting_year,
    meetings,
    messages,
    newsletter_form,
    newsletter_series,
    newsletters,
    people,
    people_form,
    pledge_progress,
    pledges,
    question_bank,
    quiz_results,
    quizzes,
    roles,
    roster_io,
    talks,
    users,
)
from app.web.admin.deps import ConsoleUser, csrf_protect
from app.web.admin.pages import NotFound, add_error_pages

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(csrf_protect)])

for module in (
    auth,
    home,
    roster_io,  # /people/import, /people/export, /people/template.*: before /people/{id}
    people_form,
    roles,  # the 支部职务 and 结对帮学 forms on the person page
    people,
    bindings,
    messages,
    newsletter_form,
    newsletter_series,
    newsletters,
    broadcasts,
    meeting_year,  # /meetings/year before /meetings/{id}
    meeting_qr,
    meeting_detail,
    meeting_attachments,
    meeting_form,
    meeting_rule,
    meeting_leaves,
    meetings,
    pledge_progress,  # /pledges/{id}/… before the campaign form's routes
    pledges,
    question_bank,
    quiz_results,
    quizzes,
    talks,
    jobs,
    audit,
    users,
    api_tokens,
):
    router.include_router(module.router)


@router.get("/{path:path}", response_class=HTMLResponse)
async def not_found(request: Request, path: str, me: ConsoleUser) -> HTMLResponse:
    """Any other console address: the console's own 404 page."""
    raise NotFound("这个页面不存在。请从左侧菜单进入。")


__all__ = ["add_error_pages", "router"]
