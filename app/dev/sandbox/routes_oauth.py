"""Web pages inside WeChat: the OAuth2 authorize page, the code exchange and the JS-SDK ticket."""

from __future__ import annotations

import html
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.dev.sandbox import rules, tokens
from app.dev.sandbox.models import OAuthCode, SnsToken
from app.dev.sandbox.pipeline import Json, WxCall, WxError, WxRouter, ok, sandbox_of

router = WxRouter()
pages = APIRouter()

OPENID_COOKIE = "sandbox_openid"
SNS_TOKEN_TTL = 7200
TICKET_TTL = 7200


def error_page(code: int, message: str) -> HTMLResponse:
    """Render WeChat's OAuth error page (it answers 200 with a human-readable error)."""
    body = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>微信网页授权</title>'
        "</head><body><h2>Oops! Something went wrong:(</h2>"
        f"<p>{html.escape(message)}</p><p>错误码：{code}</p></body></html>"
    )
    return HTMLResponse(body)


def redirect_with_code(redirect_uri: str, code: str, state: str) -> str:
    """Append code and state to the redirect_uri, keeping its own query."""
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("code", code), ("state", state)]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def picker_page(request: Request, note: str = "") -> HTMLResponse:
    """List the followers a developer can pretend to be (sandbox only)."""
    state = sandbox_of(request).state
    params = {k: v for k, v in request.query_params.items() if k not in {"openid", "switch"}}
    items = []
    for follower in state.followers.values():
        # A query-only link keeps working wherever the sandbox is mounted.
        href = "?" + urlencode({**params, "openid": follower.openid})
        label = html.escape(follower.nickname or follower.openid)
        status = "" if follower.subscribed else "（已取消关注）"
        items.append(f'<li><a href="{html.escape(href)}">{label}</a>{status}</li>')
    listing = "".join(items) or "<li>还没有关注者，请先在沙箱中添加。</li>"
    body = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<link rel="icon" href="data:,">'
        "<title>微信网页授权（沙箱）</title></head><body><h2>微信网页授权（沙箱）</h2>"
        f"<p>{html.escape(note)}</p><p>请选择要扮演的关注者：</p><ul>{listing}</ul></body></html>"
    )
    return HTMLResponse(body)


@pages.get("/connect/oauth2/authorize", response_class=HTMLResponse)
async def authorize(request: Request) -> Response:
    """Stand in for open.weixin.qq.com: issue a code for the chosen member and redirect."""
    sandbox = sandbox_of(request)
    config, state = sandbox.config, sandbox.state
    q = request.query_params
    redirect_uri, scope = q.get("redirect_uri", ""), q.get("scope", "")
    if q.get("appid") != config.app_id:
        return error_page(10016, "appid 参数错误")
    if not redirect_uri.startswith(("http://", "https://")):
        return error_page(10003, "redirect_uri 参数错误")
    if q.get("response_type") != "code":
        return error_page(10004, "response_type 参数错误")
    if scope not in rules.OAUTH_SCOPES or config.account_type != "service":
        return error_page(10005, "此公众号并没有这些 scope 的权限")
    chosen = q.get("openid") or ("" if "switch" in q else request.cookies.get(OPENID_COOKIE, ""))
    if not chosen or state.follower(chosen) is None:
        return picker_page(request, "所选关注者不存在。" if chosen else "")
    code = secrets.token_urlsafe(24)
    state.oauth_codes[code] = OAuthCode(code, chosen, scope, state.now())
    response = RedirectResponse(redirect_with_code(redirect_uri, code, q.get("state", "")), 302)
    response.set_cookie(OPENID_COOKIE, chosen, httponly=True, samesite="lax")
    return response


@router.get("/sns/oauth2/access_token", auth=False)
async def sns_access_token(call: WxCall) -> Json:
    """Exchange a one-time code (valid 5 minutes) for the member's openid."""
    appid, secret = call.arg("appid"), call.arg("secret")
    if not appid:
        raise WxError(rules.APPID_MISSING)
    if appid != call.config.app_id:
        raise WxError(rules.INVALID_APPID)
    if secret != call.config.app_secret:
        raise WxError(rules.INVALID_APPSECRET)
    if call.arg("grant_type") != "authorization_code":
        raise WxError(rules.INVALID_GRANT_TYPE)
    if not call.arg("code"):
        raise WxError(rules.CODE_MISSING)
    code = call.state.oauth_codes.get(call.arg("code"))
    if code is None or call.now - code.issued_at > rules.OAUTH_CODE_TTL_SECONDS:
        raise WxError(rules.INVALID_CODE)
    if code.used:
        raise WxError(rules.CODE_BEEN_USED)
    code.used = True
    token = SnsToken(secrets.token_urlsafe(64), code.openid, code.scope, call.now + SNS_TOKEN_TTL)
    call.state.sns_tokens[token.token] = token
    return {
        "access_token": token.token,
        "expires_in": SNS_TOKEN_TTL,
        "refresh_token": secrets.token_urlsafe(64),
        "openid": code.openid,
        "scope": code.scope,
    }


@router.get("/sns/userinfo", auth=False)
async def sns_userinfo(call: WxCall) -> Json:
    """Return the member's profile for an snsapi_userinfo web token."""
    token = call.state.sns_tokens.get(call.arg("access_token"))
    if token is None:
        raise WxError(rules.INVALID_CREDENTIAL)
    if call.now >= token.expires_at:
        raise WxError(rules.ACCESS_TOKEN_EXPIRED)
    if call.arg("openid") != token.openid:
        raise WxError(rules.INVALID_OPENID)
    if token.scope != "snsapi_userinfo":
        raise WxError(rules.API_UNAUTHORIZED)
    follower = call.state.follower(token.openid)
    return {
        "openid": token.openid,
        "nickname": follower.nickname if follower else "",
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": "",
        "privilege": [],
    }


@router.get("/cgi-bin/ticket/getticket")
async def get_ticket(call: WxCall) -> Json:
    """Return the JS-SDK (or card) ticket, renewed when it has expired."""
    kind = call.arg("type")
    if kind not in {"jsapi", "wx_card"}:
        raise WxError(rules.INVALID_ARGS)
    current = call.state.tickets.get(kind)
    if current is None or call.now - current[1] >= TICKET_TTL:
        current = (tokens.new_token_string()[:86], call.now)
        call.state.tickets[kind] = current
    return ok(ticket=current[0], expires_in=TICKET_TTL)
