"""What one recipient gets on the channel chosen for them, from the broadcast's message."""

from __future__ import annotations

from app.models import Broadcast, Channel
from app.services.broadcasts.links import RecipientLinks
from app.services.broadcasts.rows import Claimed
from app.wechat.client import WeChatClient

TEMPLATE_VALUE_MAX = 20  # WeChat's limit per template field since 2023-05-04, no line breaks


def template_value(text: str) -> str:
    """Fit a value into a template field: one line, at most 20 characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= TEMPLATE_VALUE_MAX else line[: TEMPLATE_VALUE_MAX - 1] + "…"


def link_for(broadcast: Broadcast, row: Claimed, links: RecipientLinks) -> str | None:
    """The recipient's own short link (it records the open), or the message's plain URL."""
    if broadcast.message.get("track_opens") and row.id is not None:
        return links.url(row.id)
    url = broadcast.message.get("url")
    return str(url) if url else None


async def send_one(
    client: WeChatClient,
    *,
    broadcast: Broadcast,
    row: Claimed,
    url: str | None,
    template_id: str,
    subscribe_template_id: str,
) -> int | None:
    """Send the broadcast to one person on their row's channel; return WeChat's msgid."""
    message = broadcast.message
    openid = row.openid or ""
    channel = Channel(row.channel or "")
    if channel is Channel.TEMPLATE:
        data = {k: template_value(v) for k, v in (message.get("template") or {}).items()}
        return await client.send_template(openid, template_id, data, url=url)
    if channel is Channel.SUBSCRIBE:
        data = {k: template_value(v) for k, v in (message.get("subscribe") or {}).items()}
        return await client.send_subscribe_message(openid, subscribe_template_id, data, page=url)
    if channel is Channel.CUSTOM:
        title = str(message.get("title") or broadcast.title)
        if url:
            await client.send_custom_news(
                openid, title, str(message.get("description") or ""), url, message.get("picurl")
            )
        else:
            await client.send_custom_text(openid, str(message.get("text") or title))
        return None
    raise ValueError(f"channel {channel} is sent by batch, not per person")
