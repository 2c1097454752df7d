"""Mass sends: sendall (all or by tag), send (openid list) and preview, with WeChat's quotas."""

from __future__ import annotations

from app.dev.sandbox import rules
from app.dev.sandbox.models import MassJob
from app.dev.sandbox.pipeline import (
    Json,
    WxCall,
    WxError,
    WxRouter,
    get_dict,
    get_list,
    get_str,
    ok,
    require_follower,
)
from app.dev.sandbox.routes_message import draft_summary
from app.dev.sandbox.state import SandboxState

router = WxRouter()

MASS_TYPES = frozenset({"mpnews", "text", "image", "voice", "mpvideo", "wxcard"})


def mass_content(state: SandboxState, data: Json) -> tuple[str, Json]:
    """Validate the message part of a mass request; return (msgtype, delivered payload)."""
    msgtype = get_str(data, "msgtype")
    if msgtype not in MASS_TYPES:
        raise WxError(rules.INVALID_MESSAGE_TYPE)
    body = get_dict(data, msgtype)
    if msgtype == "text" and not get_str(body, "content"):
        raise WxError(rules.EMPTY_CONTENT)
    if msgtype == "mpnews":
        return msgtype, {**body, "articles": draft_summary(state, get_str(body, "media_id"))}
    if msgtype in {"image", "voice", "mpvideo"} and get_str(body, "media_id") not in (
        state.materials
    ):
        raise WxError(rules.INVALID_MEDIA_ID)
    return msgtype, body


def check_rate(state: SandboxState, now: float) -> None:
    """Allow at most 60 mass requests in any minute (45009 beyond)."""
    while state.mass_requests and now - state.mass_requests[0] >= 60:
        state.mass_requests.popleft()
    if len(state.mass_requests) >= rules.MASS_REQUESTS_PER_MINUTE:
        raise WxError(rules.API_DAILY_QUOTA)
    state.mass_requests.append(now)


def check_clientmsgid(state: SandboxState, data: Json, now: float) -> str | None:
    """Refuse a clientmsgid used in the last 24 hours (45065)."""
    clientmsgid = get_str(data, "clientmsgid") or None
    if clientmsgid is not None:
        used_at = state.clientmsgids.get(clientmsgid)
        if used_at is not None and now - used_at < rules.CLIENTMSGID_TTL_SECONDS:
            raise WxError(rules.CLIENTMSGID_EXIST)
    return clientmsgid


def submit(
    call: WxCall, recipients: list[str], msgtype: str, payload: Json, cid: str | None
) -> Json:
    """Deliver to every recipient still following and under the monthly cap; record the job."""
    state, now = call.state, call.now
    service = call.config.account_type == "service"
    month = rules.china_month(now)
    msg_id = state.next_job_id()
    delivered = 0
    for openid in recipients:
        follower = state.follower(openid)
        if follower is None or not follower.subscribed:
            continue
        # A service-account follower gets at most 4 mass messages a month; WeChat silently
        # filters the rest out (they are missing from FilterCount).
        received = follower.mass_by_month.get(month, 0)
        if service and received >= rules.MASS_PER_FOLLOWER_PER_MONTH:
            continue
        follower.mass_by_month[month] = received + 1
        state.record_delivery(openid, "mass", msgtype, payload, msg_id)
        delivered += 1
    msg_data_id = state.next_job_id() if msgtype == "mpnews" else None
    state.mass_jobs[msg_id] = MassJob(
        msg_id=msg_id,
        msg_data_id=msg_data_id,
        msgtype=msgtype,
        total=len(recipients),
        filter_count=delivered,
        sent=delivered,
        error=0,
        created_at=now,
        clientmsgid=cid,
    )
    state.mass_sends_by_day[rules.china_day(now)] += 1
    if cid is not None:
        state.clientmsgids[cid] = now
    if call.config.auto_job_events:
        call.sandbox.callbacks.schedule(call.sandbox.callbacks.emit_mass_job_finish(msg_id))
    extra: Json = {"msg_id": msg_id}
    if msg_data_id is not None:
        extra["msg_data_id"] = msg_data_id
    return {**ok(**extra), "errmsg": "send job submission success"}


def check_subscription_quota(call: WxCall) -> None:
    """A subscription account has one mass send per China calendar day (45028)."""
    if call.config.account_type != "subscription":
        return
    if call.state.mass_sends_by_day[rules.china_day(call.now)] >= rules.SUBSCRIPTION_MASS_PER_DAY:
        raise WxError(rules.NO_MASSSEND_QUOTA)


@router.post("/cgi-bin/message/mass/sendall")
async def mass_sendall(call: WxCall) -> Json:
    """Mass-send to all followers or to one tag."""
    data, state = call.data, call.state
    check_rate(state, call.now)
    msgtype, payload = mass_content(state, data)
    cid = check_clientmsgid(state, data, call.now)
    check_subscription_quota(call)
    target = get_dict(data, "filter")
    following = [f for f in state.followers.values() if f.subscribed]
    if target.get("is_to_all") is True:
        recipients = [f.openid for f in following]
    else:
        tag_id = target.get("tag_id")
        if not isinstance(tag_id, int) or tag_id not in state.tags:
            raise WxError(rules.INVALID_TAG_ID)
        recipients = [f.openid for f in following if tag_id in f.tagids]
    return submit(call, recipients, msgtype, payload, cid)


@router.post("/cgi-bin/message/mass/send")
async def mass_send(call: WxCall) -> Json:
    """Mass-send to a list of 2–10,000 openids (service accounts only)."""
    if call.config.account_type != "service":
        raise WxError(rules.API_UNAUTHORIZED)
    data, state = call.data, call.state
    check_rate(state, call.now)
    touser = [str(o) for o in get_list(data, "touser")]
    if not rules.MASS_OPENIDS_MIN <= len(touser) <= rules.MASS_OPENIDS_MAX:
        raise WxError(rules.MASS_OPENID_LIST_SIZE)
    msgtype, payload = mass_content(state, data)
    cid = check_clientmsgid(state, data, call.now)
    return submit(call, list(dict.fromkeys(touser)), msgtype, payload, cid)


@router.post("/cgi-bin/message/mass/preview")
async def mass_preview(call: WxCall) -> Json:
    """Preview a mass message on one member's phone (no quota used)."""
    data, state = call.data, call.state
    follower = require_follower(state, get_str(data, "touser"))
    msgtype, payload = mass_content(state, data)
    msg_id = state.next_job_id()
    state.record_delivery(follower.openid, "preview", msgtype, payload, msg_id)
    return {**ok(msg_id=msg_id), "errmsg": "preview success"}
