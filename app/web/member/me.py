"""我的记录 at /m/me: the member's own profile and history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.services.binding import codes as binding_service
from app.services.me import records as member_records
from app.web.member.reader import MEMBER_KEY, Session, oauth_sign_in, page

router = APIRouter(prefix="/m", include_in_schema=False)


@router.get("/me")
async def my_record(request: Request, session: Session) -> Response:
    """我的记录: the member's own profile and history."""
    openid = request.session.get(MEMBER_KEY)
    if not isinstance(openid, str):
        return oauth_sign_in(request, "/m/me")
    person = await binding_service.person_for_openid(session, openid=openid)
    if person is None:
        return RedirectResponse("/m/bind", 302)
    record = await member_records.member_record(
        session, person=person, now=request.app.state.clock()
    )
    return page(request, "me/record.html", record=record)
