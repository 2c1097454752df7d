"""The inbound message log: what members sent, what they got back, and how it was handled."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Session
from app.handlers import default_router
from app.services.messages import log as message_log_service
from app.web.admin.deps import ConsoleUser
from app.web.admin.forms import parse_int, parse_page
from app.web.admin.pages import render

router = APIRouter(prefix="/messages")

PAGE_SIZE = 50
MSG_TYPES = {
    "text": "文字",
    "event": "事件",
    "image": "图片",
    "voice": "语音",
    "video": "视频",
    "shortvideo": "小视频",
    "location": "位置",
    "link": "链接",
}
STATUSES = {
    "replied": ("已回复", "success"),
    "deferred": ("处理中（已先回复稍候）", "warning"),
    "done": ("已补发回复", "info"),
    "failed": ("处理失败", "danger"),
}
EVENTS = {  # as stored: lower case
    "subscribe": "关注",
    "unsubscribe": "取消关注",
    "click": "点击菜单",
    "view": "打开菜单链接",
    "scan": "扫码",
    "location": "上报位置",
}


@router.get("", response_class=HTMLResponse)
async def message_log(
    request: Request,
    session: Session,
    me: ConsoleUser,
    person: str = "",
    openid: str = "",
    type: str = "",
    page: str = "",
) -> HTMLResponse:
    """Newest first; filter by person, openid or message type."""
    number = parse_page(page)
    entries, total = await message_log_service.recent_messages(
        session,
        unit_ids=me.unit_ids,
        person_id=parse_int(person),
        openid=openid.strip() or None,
        msg_type=type if type in MSG_TYPES else None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    router = default_router()
    # In words, never internals: the button's name for its key, what the handler stands for.
    buttons = {e.event_key: router.button_name(e.event_key) for e in entries if e.event_key}
    handled = {e.id: router.describe(e.handler) for e in entries if e.handler}
    context = {
        "buttons": buttons,
        "handled": handled,
        "nav": "messages",
        "entries": entries,
        "total": total,
        "page": number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": {"person": person, "openid": openid, "type": type},
        "msg_types": MSG_TYPES,
        "statuses": STATUSES,
        "events": EVENTS,
    }
    return render(request, "admin/messages/list.html", context)
