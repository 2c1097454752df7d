"""Binding at /m/bind: a member types the code the Party office gave them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.services.binding import codes as binding_service
from app.services.binding.codes import RedeemOutcome
from app.web.member.reader import MEMBER_KEY, Session, oauth_sign_in, page
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)


@router.get("/bind")
async def bind_form(request: Request, session: Session) -> Response:
    """The binding page: type the code the Party office gave you."""
    openid = request.session.get(MEMBER_KEY)
    if not isinstance(openid, str):
        return oauth_sign_in(request, "/m/bind")
    person = await binding_service.person_for_openid(session, openid=openid)
    if person is not None:
        return RedirectResponse("/m/me", 302)
    return page(request, "binding/bind.html", error=None)


_OUTCOME_TEXT = {
    RedeemOutcome.INVALID: "绑定码不正确，请核对后重新输入。",
    RedeemOutcome.EXPIRED: "这个绑定码已过期，请向党群部门重新领取。",
    RedeemOutcome.USED: "这个绑定码已经使用过了。",
    RedeemOutcome.RATE_LIMITED: "尝试次数过多，请 15 分钟后再试。",
    RedeemOutcome.FOLLOWER_BOUND_ELSEWHERE: "这个微信已经绑定了其他人员，请联系党群部门。",
    RedeemOutcome.PERSON_BOUND_ELSEWHERE: "该人员已经绑定了另一个微信，请联系党群部门。",
}


@router.post("/bind")
async def bind(request: Request, session: Session, code: Annotated[str, Form()] = "") -> Response:
    """Redeem a binding code for the signed-in WeChat."""
    try:
        await check_csrf(request)
    except CsrfError:
        return page(request, "message.html", 403, title="页面已过期", text="请刷新页面后重试。")
    openid = request.session.get(MEMBER_KEY)
    if not isinstance(openid, str):
        return oauth_sign_in(request, "/m/bind")
    result = await binding_service.redeem(
        session, openid=openid, code=code, now=request.app.state.clock()
    )
    if result.outcome in (RedeemOutcome.BOUND, RedeemOutcome.ALREADY_BOUND):
        return RedirectResponse("/m/me", 303)
    return page(request, "binding/bind.html", 422, error=_OUTCOME_TEXT[result.outcome])
