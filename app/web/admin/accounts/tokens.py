"""Each console user's API tokens (admins only): create (shown once) and revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import Session
from app.services.accounts import admins as admin_service
from app.services.accounts import management as accounts
from app.web.admin.accounts.users import get_user, user_page
from app.web.admin.deps import ConsoleAdmin, actor, now
from app.web.admin.forms import text_fields
from app.web.admin.pages import NotFound, flash, redirect, render

router = APIRouter(prefix="/users/{user_id:int}/tokens")


@router.post("", response_class=HTMLResponse)
async def create_token(
    request: Request, user_id: int, session: Session, me: ConsoleAdmin
) -> HTMLResponse:
    """Issue a token for automation; the plaintext is on this page only."""
    user = await get_user(session, user_id)
    name = text_fields(await request.form(), "name")["name"]
    if not name or len(name) > 64:
        errors = {"token_name": "请填写令牌用途（最多 64 个字）"}
        return await user_page(request, session, user, errors=errors, status_code=400)
    token, record = await admin_service.create_api_token(
        session, user=user, name=name, actor=actor(request, me)
    )
    context = {"nav": "users", "user": user, "token": token, "record": record}
    return render(request, "admin/accounts/token.html", context)


@router.post("/{token_id:int}/revoke")
async def revoke_token(
    request: Request, user_id: int, token_id: int, session: Session, me: ConsoleAdmin
) -> Response:
    """Revoke a token at once."""
    user = await get_user(session, user_id)
    tokens = {token.id: token for token in await accounts.tokens_of(session, user_id=user_id)}
    token = tokens.get(token_id)
    if token is None or token.revoked_at is not None:
        raise NotFound("这个令牌不存在，或已经吊销。")
    await admin_service.revoke_api_token(
        session, token_id=token_id, actor=actor(request, me), now=now(request)
    )
    flash(request, f"已吊销 {user.username} 的令牌「{token.name}」。")
    return redirect(f"/admin/users/{user_id}#tokens")
