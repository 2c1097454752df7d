"""Who reads a member page (/m/): WeChat's OAuth first, then a signed link; the page shell."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import Person
from app.services.binding import codes as binding_service
from app.services.member_links import LinkProblem, MemberLinks
from app.web.templating import templates
from app.wechat.errors import WeChatError

router = APIRouter(prefix="/m", include_in_schema=False)

MEMBER_KEY = "member_openid"
STATE_KEY = "member_oauth_state"
# When WeChat's OAuth last failed on this browser: pages are then shown without asking again
# (no redirect loop), to nobody in particular. Kept in the signed session, never in the URL.
FAILED_KEY = "member_oauth_failed"
RETRY_OAUTH_AFTER = 600  # seconds
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


def _oauth_failed_lately(request: Request) -> bool:
    failed = request.session.get(FAILED_KEY)
    now = request.app.state.clock().timestamp()
    return isinstance(failed, int | float) and 0 <= now - failed < RETRY_OAUTH_AFTER


def oauth_first(request: Request, path: str, *, token: str = "") -> Response | None:
    """On a service account, a reader WeChat has not named yet goes through OAuth first.

    No query parameter skips it: only the session knows that OAuth already failed (then the
    page is shown to nobody in particular). None when there is nothing to do.
    """
    if (
        isinstance(request.session.get(MEMBER_KEY), str)
        or request.app.state.settings.wechat_account_type != "service"
        or _oauth_failed_lately(request)
    ):
        return None
    link = f"?t={quote(token, safe='')}" if token else ""
    return oauth_sign_in(request, f"{path}{link}")


def links_name_readers(request: Request) -> bool:
    """Whether a signed link may name the reader: only where WeChat's OAuth cannot.

    On a service account OAuth is the one identity; a forwarded link (or one whose OAuth was
    made to fail) must never let its holder act as the person it names.
    """
    return bool(request.app.state.settings.wechat_account_type != "service")


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
    if not token or not links_name_readers(request):
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
    ours = isinstance(pending, dict) and secrets.compare_digest(str(pending["state"]), state)
    if ours and not code and isinstance(pending, dict):  # the reader declined: show the page
        request.session[FAILED_KEY] = request.app.state.clock().timestamp()
        return RedirectResponse(_safe_next(str(pending.get("next"))), 302)
    if not ours or not code or not isinstance(pending, dict):
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
        request.session[FAILED_KEY] = request.app.state.clock().timestamp()
        return page(
            request,
            "message.html",
            400,
            title="登录失败",
            text="微信登录没有成功，请回到公众号重新打开页面。",
        )
    request.session[MEMBER_KEY] = openid
    request.session.pop(FAILED_KEY, None)
    return RedirectResponse(_safe_next(str(pending.get("next"))), 302)


# Included after every feature's member pages: any other /m/ address gets the member 404 page.
missing = APIRouter(prefix="/m", include_in_schema=False)


@missing.get("/{path:path}", response_class=HTMLResponse)
async def not_found(request: Request, path: str) -> HTMLResponse:
    """An address no member page has (a mistyped or cut-off link)."""
    return page(
        request,
        "message.html",
        404,
        title="页面不存在",
        text="没有找到这个页面，请回到公众号重新点击菜单或消息中的链接打开。",
    )
