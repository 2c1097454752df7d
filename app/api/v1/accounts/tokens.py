"""API tokens: create your own (plaintext shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import col, select

from app.api.deps import CurrentPrincipal, Session, Writer, actor_of
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found, now
from app.models import AdminUser, ApiToken
from app.services.accounts import admins as admin_service

router = APIRouter(prefix="/tokens", tags=["tokens"])


class TokenCreate(BaseModel):
    """What the token is for, so you can tell your tokens apart later."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class TokenPublic(BaseModel):
    """A token without its secret."""

    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it")
    owner_id: int
    owner: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """A new token: `token` is the secret, shown this once (send it as `Authorization: Bearer`)."""

    token: str


def _public(token: ApiToken, owner: str) -> TokenPublic:
    assert token.id is not None
    return TokenPublic(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        owner_id=token.admin_user_id,
        owner=owner,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@router.post("", status_code=201, responses=error_responses(403))
async def create_token(
    data: TokenCreate, session: Session, principal: Writer, request: Request
) -> TokenCreated:
    """Create a token for yourself (audited); the plaintext is returned once."""
    user = await admin_service.get(session, user_id=principal.id)
    assert user is not None  # the principal was resolved from this very user
    plaintext, token = await admin_service.create_api_token(
        session, user=user, name=data.name, actor=actor_of(request, principal)
    )
    return TokenCreated(**_public(token, user.username).model_dump(), token=plaintext)


@router.get("")
async def list_tokens(session: Session, principal: CurrentPrincipal) -> list[TokenPublic]:
    """Your tokens (an admin sees everyone's), newest first."""
    statement = (
        select(ApiToken, AdminUser.username)
        .join(AdminUser, col(AdminUser.id) == ApiToken.admin_user_id)
        .order_by(col(ApiToken.id).desc())
    )
    if not principal.is_admin:
        statement = statement.where(ApiToken.admin_user_id == principal.id)
    rows = (await session.exec(statement)).all()
    return [_public(token, owner) for token, owner in rows]


@router.delete("/{token_id:int}", status_code=204, responses=error_responses(403, 404))
async def revoke_token(
    token_id: IdPath, session: Session, principal: Writer, request: Request
) -> None:
    """Revoke one of your tokens (an admin may revoke any) at once (audited)."""
    token = await session.get(ApiToken, token_id)
    if token is None or not (principal.is_admin or token.admin_user_id == principal.id):
        raise not_found("没有找到该令牌")
    await admin_service.revoke_api_token(
        session, token_id=token_id, actor=actor_of(request, principal), now=now(request)
    )
