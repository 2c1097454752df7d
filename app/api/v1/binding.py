"""Binding a person's WeChat: one-time codes (shown once), their revocation, and unbinding."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session, Writer, actor_of
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found, now, person_in_scope
from app.models import BindingCode
from app.services.binding import codes as binding_service
from app.services.people import roster as people_service

router = APIRouter(tags=["bindings"])

FOUND = error_responses(404)
WRITE = error_responses(403, 404)


class BindingCodeIssued(BaseModel):
    """A new code: give it to the person; it is shown this once and never again."""

    id: int
    person_id: int
    code: str
    expires_at: datetime


class BindingCodePublic(BaseModel):
    """An active code, without the code itself (only its hash is kept)."""

    id: int
    person_id: int
    expires_at: datetime
    created_by: str | None
    created_at: datetime


def _public(code: BindingCode) -> BindingCodePublic:
    assert code.id is not None
    return BindingCodePublic(
        id=code.id,
        person_id=code.person_id,
        expires_at=code.expires_at,
        created_by=code.created_by,
        created_at=code.created_at,
    )


@router.post("/people/{person_id:int}/binding-codes", status_code=201, responses=WRITE)
async def issue_code(
    person_id: IdPath, session: Session, principal: Writer, request: Request
) -> BindingCodeIssued:
    """Issue a one-time binding code for a person (audited); the plaintext is returned once."""
    person = await person_in_scope(session, principal, person_id)
    plaintext, code = await binding_service.issue_code(
        session, person=person, actor=actor_of(request, principal), now=now(request)
    )
    assert code.id is not None
    return BindingCodeIssued(
        id=code.id, person_id=code.person_id, code=plaintext, expires_at=code.expires_at
    )


@router.get("/people/{person_id:int}/binding-codes", responses=FOUND)
async def list_codes(
    person_id: IdPath, session: Session, principal: CurrentPrincipal, request: Request
) -> list[BindingCodePublic]:
    """A person's unused, unexpired codes (never the codes themselves)."""
    person = await person_in_scope(session, principal, person_id)
    assert person.id is not None
    codes = await binding_service.active_codes(session, person_id=person.id, now=now(request))
    return [_public(code) for code in codes]


@router.delete("/binding-codes/{code_id:int}", status_code=204, responses=WRITE)
async def revoke_code(
    code_id: IdPath, session: Session, principal: Writer, request: Request
) -> None:
    """Revoke a code before it is used (audited)."""
    code = await session.get(BindingCode, code_id)
    person = await people_service.get(session, person_id=code.person_id) if code else None
    if person is None or not principal.sees_unit(person.org_unit_id):
        raise not_found("没有找到该绑定码")
    await binding_service.revoke_code(
        session, code_id=code_id, actor=actor_of(request, principal), now=now(request)
    )


@router.delete("/people/{person_id:int}/binding", status_code=204, responses=WRITE)
async def unbind(person_id: IdPath, session: Session, principal: Writer, request: Request) -> None:
    """Unbind the person's WeChat (audited); they can bind again with a new code."""
    person = await person_in_scope(session, principal, person_id)
    unbound = await binding_service.unbind(
        session, person=person, actor=actor_of(request, principal), now=now(request)
    )
    if not unbound:
        raise not_found("该人员尚未绑定微信")
