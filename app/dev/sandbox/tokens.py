"""access_token issuing and checking, with WeChat's overlap and stable_token rules."""

from __future__ import annotations

import secrets

from app.dev.sandbox import rules
from app.dev.sandbox.models import TokenKind, TokenRecord
from app.dev.sandbox.state import SandboxState


def new_token_string() -> str:
    """Return a token shaped like WeChat's: 136 URL-safe characters."""
    return secrets.token_urlsafe(102)


def issue(
    state: SandboxState, kind: TokenKind, ttl: int, *, revoke_previous: bool = False
) -> TokenRecord:
    """Issue a new token of a lineage; the previous one overlaps for 5 min or dies at once."""
    now = state.now()
    previous = state.tokens.get(state.current_tokens.get(kind, ""))
    if previous is not None:
        if revoke_previous:
            previous.revoked = True
        elif previous.superseded_at is None:
            previous.superseded_at = now
    record = TokenRecord(token=new_token_string(), kind=kind, issued_at=now, expires_at=now + ttl)
    state.tokens[record.token] = record
    state.current_tokens[kind] = record.token
    state.tokens_issued += 1
    return record


def check(state: SandboxState, token: str | None) -> int:
    """Return 0 for a usable token, else 41001, 40001 or 42001 as WeChat answers."""
    if not token:
        return rules.ACCESS_TOKEN_MISSING
    record = state.tokens.get(token)
    if record is None or record.revoked:
        return rules.INVALID_CREDENTIAL
    now = state.now()
    if (
        record.superseded_at is not None
        and now >= record.superseded_at + rules.TOKEN_OVERLAP_SECONDS
    ):
        return rules.INVALID_CREDENTIAL
    if now >= record.expires_at:
        return rules.ACCESS_TOKEN_EXPIRED
    return rules.OK


def current_stable(state: SandboxState) -> TokenRecord | None:
    """Return the stable_token lineage's current token, whatever its age."""
    return state.tokens.get(state.current_tokens.get("stable", ""))


def force_refresh_errcode(state: SandboxState) -> int:
    """Return 0 if a forced stable_token refresh is allowed now, else 45009 or 45011."""
    now = state.now()
    today = rules.china_day(now)
    used_today = sum(1 for at in state.force_refreshes if rules.china_day(at) == today)
    if used_today >= rules.FORCE_REFRESH_PER_DAY:
        return rules.API_DAILY_QUOTA
    if state.force_refreshes and now - state.force_refreshes[-1] < rules.FORCE_REFRESH_MIN_INTERVAL:
        return rules.API_MINUTE_QUOTA
    return rules.OK
