"""Messages to one member: customer-service, template and subscribe notifications."""

from __future__ import annotations

from typing import Any

from app.dev.sandbox import rules
from app.dev.sandbox.models import Template, TemplateKind, TemplateSend
from app.dev.sandbox.pipeline import (
    Json,
    WxCall,
    WxError,
    WxRouter,
    fail_unless_ok,
    get_dict,
    get_list,
    get_str,
    ok,
    require_follower,
)
from app.dev.sandbox.state import SandboxState

router = WxRouter()

CUSTOM_TYPES = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
    }
)


def draft_summary(state: SandboxState, media_id: str) -> list[dict[str, Any]]:
    """Return a draft's articles as a phone shows them, or raise 40007 for an unknown draft."""
    draft = state.drafts.get(media_id)
    if draft is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    summary = []
    for article in draft.articles:
        thumb = state.materials.get(str(article.get("thumb_media_id", "")))
        summary.append(
            {
                "title": article.get("title", ""),
                "digest": article.get("digest", ""),
                "url": article.get("content_source_url", ""),
                "picurl": thumb.url if thumb else "",
            }
        )
    return summary


def custom_payload(state: SandboxState, msgtype: str, body: Json) -> Json:
    """Validate a customer-service message body the way WeChat does; return what is delivered."""
    if msgtype == "text":
        content = get_str(body, "content")
        if not content:
            raise WxError(rules.EMPTY_CONTENT)
        if len(content.encode()) > rules.CS_TEXT_MAX_BYTES:
            raise WxError(rules.CONTENT_SIZE_OUT_OF_LIMIT)
    elif msgtype == "news":
        # Since 2018 a customer-service news message carries exactly one article.
        articles = get_list(body, "articles")
        if not articles:
            raise WxError(rules.EMPTY_NEWS_DATA)
        if len(articles) > 1:
            raise WxError(rules.ARTICLE_SIZE_OUT_OF_LIMIT)
    elif msgtype == "mpnews":
        return {**body, "articles": draft_summary(state, get_str(body, "media_id"))}
    elif msgtype == "mpnewsarticle":
        article_ids = {p.article_id for p in state.publications.values()}
        if get_str(body, "article_id") not in article_ids:
            raise WxError(rules.INVALID_MEDIA_ID)
    elif msgtype in {"image", "voice", "video"} and get_str(body, "media_id") not in (
        state.materials
    ):
        raise WxError(rules.INVALID_MEDIA_ID)
    return body


@router.post("/cgi-bin/message/custom/send")
async def custom_send(call: WxCall) -> Json:
    """Send a customer-service message inside the member's 48 h / 1 min window."""
    data = call.data
    follower = require_follower(call.state, get_str(data, "touser"))
    msgtype = get_str(data, "msgtype")
    if msgtype not in CUSTOM_TYPES:
        raise WxError(rules.INVALID_MESSAGE_TYPE)
    payload = custom_payload(call.state, msgtype, get_dict(data, msgtype))
    fail_unless_ok(call.state.window_errcode(follower))
    assert follower.window is not None  # window_errcode returned OK
    follower.window.used += 1
    call.state.record_delivery(follower.openid, "custom", msgtype, payload)
    return ok()


def require_template(state: SandboxState, template_id: str, kind: TemplateKind) -> Template:
    """Return the account's template of this kind, or raise 40037."""
    template = state.templates.get(template_id)
    if template is None or template.kind != kind:
        raise WxError(rules.INVALID_TEMPLATE_ID)
    return template


def check_template_data(data: Json) -> None:
    """Apply the 2023 rules: every value a string of at most 20 characters, no line breaks."""
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if (
            not isinstance(value, str)
            or len(value) > rules.TEMPLATE_VALUE_MAX_CHARS
            or "\n" in value
            or "\r" in value
        ):
            raise WxError(rules.ARGUMENT_INVALID, f"argument invalid! data.{key}.value invalid")


@router.post("/cgi-bin/message/template/send")
async def template_send(call: WxCall) -> Json:
    """Send a template message (service accounts only)."""
    if call.config.account_type != "service":
        raise WxError(rules.API_UNAUTHORIZED)
    data = call.data
    state = call.state
    follower = require_follower(state, get_str(data, "touser"))
    template = require_template(state, get_str(data, "template_id"), "template")
    check_template_data(get_dict(data, "data"))
    msgid = state.next_msgid()
    state.template_sends[msgid] = TemplateSend(
        msgid, follower.openid, template.template_id, call.now
    )
    payload = {k: v for k, v in data.items() if k != "touser"}
    state.record_delivery(follower.openid, "template", "template", payload, msgid)
    if call.config.auto_job_events:
        call.sandbox.callbacks.schedule(call.sandbox.callbacks.emit_job_finish(msgid))
    return ok(msgid=msgid)


@router.post("/cgi-bin/message/subscribe/bizsend")
async def subscribe_send(call: WxCall) -> Json:
    """Send a subscribe notification, consuming one of the member's one-time grants."""
    data = call.data
    state = call.state
    follower = require_follower(state, get_str(data, "touser"), following=False)
    template = require_template(state, get_str(data, "template_id"), "subscribe")
    check_template_data(get_dict(data, "data"))
    key = (follower.openid, template.template_id)
    if state.subscription_grants[key] <= 0:
        raise WxError(rules.USER_REFUSE)
    state.subscription_grants[key] -= 1
    payload = {k: v for k, v in data.items() if k != "touser"}
    delivery = state.record_delivery(follower.openid, "subscribe", "subscribe", payload)
    return ok(msgid=delivery.msgid)
