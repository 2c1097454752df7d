"""Late replies: what a deferred handler produced, pushed after the holding reply went out."""

from __future__ import annotations

from typing import Protocol

import structlog

from app.handlers.registry import Reply
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError
from app.wechat.replies import ArticlesReply, TextReply

log = structlog.get_logger(__name__)


class FollowUpSender(Protocol):
    """Delivers what a deferred handler produced after the holding reply went out."""

    async def send(self, *, openid: str, reply: Reply) -> None:
        """Push the late reply to the member."""
        ...


class CustomMessageFollowUps:
    """Push late replies as customer-service messages: the member wrote just now, so the
    48-hour window is open."""

    def __init__(self, client: WeChatClient) -> None:
        self._client = client

    async def send(self, *, openid: str, reply: Reply) -> None:
        """Send text as text and the first article of a news reply as a link card."""
        try:
            if isinstance(reply, TextReply):
                await self._client.send_custom_text(openid, str(reply.content))
            elif isinstance(reply, str):
                await self._client.send_custom_text(openid, reply)
            elif isinstance(reply, ArticlesReply | list) and (articles := _articles(reply)):
                first = articles[0]
                await self._client.send_custom_news(
                    openid,
                    first.get("title", ""),
                    first.get("description", ""),
                    first.get("url", ""),
                    first.get("image") or first.get("picurl"),
                )
        except WeChatError as exc:
            # The message log keeps the late reply either way; the secretary can see it there.
            log.warning("late reply not delivered", errcode=exc.errcode, call=exc.call)


def _articles(reply: ArticlesReply | list[dict[str, str]]) -> list[dict[str, str]]:
    if isinstance(reply, list):
        return reply
    return [dict(article) for article in reply.articles]
