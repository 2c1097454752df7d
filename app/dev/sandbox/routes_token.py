"""access_token endpoints: /cgi-bin/token and /cgi-bin/stable_token."""

from __future__ import annotations

from app.dev.sandbox import rules, tokens
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.pipeline import Json, WxCall, WxError, WxRouter, get_str

router = WxRouter()


def check_credentials(config: SandboxConfig, grant_type: str, appid: str, secret: str) -> None:
    """Raise WeChat's error for a wrong grant_type, appid or secret, in WeChat's order."""
    if grant_type != "client_credential":
        raise WxError(rules.INVALID_GRANT_TYPE)
    if not appid:
        raise WxError(rules.APPID_MISSING)
    if appid != config.app_id:
        raise WxError(rules.INVALID_APPID)
    if not secret:
        raise WxError(rules.APPSECRET_MISSING)
    if secret != config.app_secret:
        raise WxError(rules.INVALID_APPSECRET)


@router.get("/cgi-bin/token", auth=False)
async def get_token(call: WxCall) -> Json:
    """Issue a new access_token; the previous one keeps working for 5 minutes."""
    check_credentials(call.config, call.arg("grant_type"), call.arg("appid"), call.arg("secret"))
    ttl = call.config.token_ttl_seconds
    record = tokens.issue(call.state, "token", ttl)
    call.state.token_fetches["token"] += 1
    return {"access_token": record.token, "expires_in": ttl}


@router.post("/cgi-bin/stable_token", auth=False)
async def stable_token(call: WxCall) -> Json:
    """Return the current stable token, or a new one on force_refresh (20/day, 30 s apart)."""
    data = call.data
    check_credentials(
        call.config, get_str(data, "grant_type"), get_str(data, "appid"), get_str(data, "secret")
    )
    state, ttl = call.state, call.config.token_ttl_seconds
    if data.get("force_refresh") is True:
        errcode = tokens.force_refresh_errcode(state)
        if errcode != rules.OK:
            raise WxError(errcode)
        state.force_refreshes.append(call.now)
        # A forced refresh kills the previous stable token at once (no overlap).
        record = tokens.issue(state, "stable", ttl, revoke_previous=True)
        state.token_fetches["stable_token_force"] += 1
    else:
        current = tokens.current_stable(state)
        renew = (
            current is None
            or current.revoked
            or current.expires_at - call.now <= rules.STABLE_RENEW_BEFORE_SECONDS
        )
        # In its last 5 minutes WeChat hands out a successor; the old one lives out its time.
        record = tokens.issue(state, "stable", ttl) if renew or current is None else current
        state.token_fetches["stable_token"] += 1
    return {"access_token": record.token, "expires_in": int(record.expires_at - call.now)}
