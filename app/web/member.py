"""Member pages opened inside WeChat (/m/): who the member is comes from WeChat's OAuth."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import Person
from app.services import bindings as binding_service
from app.services import member_records
from app.services.bindings import RedeemOutcome
from app.services.member_links import LinkProblem, MemberLinks
from app.web.security import CsrfError, check_csrf
from app.web.templating import templates
from app.wechat.errors import WeChatError

router = APIRouter(prefix="/m", include_in_schema=False)

MEMBER_KEY = "member_openid"
STATE_KEY = "member_oauth_state"
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


def page(request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """A member page (templates/m/<name>)."""
    return templates.TemplateResponse(request, f"m/{name}", context, status_code=status_code)


def _safe_next(path: str | None) -> str:
    """Only our own member pages: never an open redirect."""
    return path if path and path.startswith("/m/") and not path.startswith("//") else "/m/me"


def oauth_sign_in(request: Request, next_path: str) -> Response:
    """Send the member to WeChat's OAuth page (silent snsapi_base) and back."""
    settings = request.app.state.settings
    if settings.wechat_account_type != "service":
        return page(
            request,
            "message.html",
            title="请在公众号内查看",
            text="本公众号暂不支持网页登录，请在对话框中回复「我的」查看记录。",
        )
    state = secrets.token_urlsafe(16)
    request.session[STATE_KEY] = {"state": state, "next": _safe_next(next_path)}
    callback = settings.public_base_url.rstrip("/") + "/m/oauth/callback"
    return RedirectResponse(request.app.state.wechat.oauth_authorize_url(callback, state), 302)


def oauth_first(request: Request, path: str, *, token: str = "") -> Response | None:
    """On a service account, a reader WeChat has not named yet goes through OAuth once.

    They come back with ?oauth=done (and the page's link, `token`), so a reader who declines
    still sees the page; None when there is nothing to do.
    """
    if (
        isinstance(request.session.get(MEMBER_KEY), str)
        or request.app.state.settings.wechat_account_type != "service"
        or request.query_params.get("oauth") == "done"
    ):
        return None
    link = f"&t={quote(token, safe='')}" if token else ""
    return oauth_sign_in(request, f"{path}?oauth=done{link}")


@dataclass(frozen=True)
class Reader:
    """Who opened a page meant for one person (a pledge, a test), and how we know."""

    person: Person | None  # None: nobody we can name
    token: str = ""  # the signed link, when it is what named them ("" when OAuth did)
    unbound: bool = False  # WeChat named a follower the roster does not know


async def reader_of(
    request: Request, session: AsyncSession, *, page_name: str, subject_id: int, token: str
) -> Reader | LinkProblem:
    """OAuth first, then the page's signed link (`?t=`); why the link names nobody.

    When WeChat has named the reader, the link is not read at all: a forwarded link must not
    let one member act as another, nor make a stranger its owner.
    """
    openid = request.session.get(MEMBER_KEY)
    if isinstance(openid, str):
        person = await binding_service.person_for_openid(session, openid=openid)
        return Reader(person) if person is not None else Reader(None, unbound=True)
    if not token:
        return Reader(None)
    links = MemberLinks(request.app.state.settings.secret_key.get_secret_value())
    found = links.read(token, page=page_name, subject_id=subject_id, now=request.app.state.clock())
    if isinstance(found, LinkProblem):
        return found
    person = await session.get(Person, found.person_id)
    return Reader(person, token) if person is not None else Reader(None)


@router.get("/oauth/callback")
async def oauth_callback(request: Request, code: str = "", state: str = "") -> Response:
    """Back from WeChat: check the state we sent, exchange the code for the openid."""
    pending = request.session.pop(STATE_KEY, None)
    if (
        not isinstance(pending, dict)
        or not code
        or not secrets.compare_digest(str(pending.get("state", "")), state)
    ):
        return page(
            request,
            "message.html",
            400,
            title="链接已失效",
            text="请回到公众号重新点击菜单打开页面。",
        )
    try:
        openid = await request.app.state.wechat.oauth_openid(code)
    except WeChatError:
        return page(
            request,
            "message.html",
            400,
            title="登录失败",
            text="微信登录没有成功，请回到公众号重新打开页面。",
        )
    request.session[MEMBER_KEY] = openid
    return RedirectResponse(_safe_next(str(pending.get("next"))), 302)


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
    return page(request, "me.html", record=record)


@router.get("/bind")
async def bind_form(request: Request, session: Session) -> Response:
    """The binding page: type the code the Party office gave you."""
    openid = request.session.get(MEMBER_KEY)
    if not isinstance(openid, str):
        return oauth_sign_in(request, "/m/bind")
    person = await binding_service.person_for_openid(session, openid=openid)
    if person is not None:
        return RedirectResponse("/m/me", 302)
    return page(request, "bind.html", error=None)


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
    return page(request, "bind.html", 422, error=_OUTCOME_TEXT[result.outcome])
