"""Helpers for the 合理化建议 tests: a suggestion sent from WeChat, decisions from the console."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from app.models import Broadcast, BroadcastRecipient, Suggestion
from tests.support.app import AppClient
from tests.support.chat import Chat, china
from tests.support.console import csrf

NOW = china(2026, 12, 7, 10)


async def suggestions(client: AppClient) -> list[Suggestion]:
    """Every suggestion, oldest first."""
    async with client.sessions() as session:
        return list((await session.exec(select(Suggestion).order_by(col(Suggestion.id)))).all())


async def sent_by_chat(client: AppClient, chat: Chat, openid: str, text: str) -> Suggestion:
    """The member sends 「建议 …」; the suggestion stored."""
    reply = await chat.say(openid, f"建议 {text}")
    assert "已收到您的合理化建议，编号" in reply, reply
    return (await suggestions(client))[-1]


async def decide(
    console: AppClient, suggestion_id: int, action: str, **form: Any
) -> httpx.Response:
    """Post one decision from the suggestion's page."""
    token = await csrf(console, "/admin/")
    data = {"csrf_token": token, "action": action, **{k: str(v) for k, v in form.items()}}
    return await console.post(f"/admin/suggestions/{suggestion_id}/decide", data=data)


async def notices_to(client: AppClient, person_id: int) -> list[tuple[str, str]]:
    """The suggestion notices addressed to the person: (key, text), oldest first."""
    async with client.sessions() as session:
        statement = (
            select(Broadcast.key, Broadcast.message)
            .join(BroadcastRecipient, col(BroadcastRecipient.broadcast_id) == col(Broadcast.id))
            .where(
                BroadcastRecipient.person_id == person_id,
                col(Broadcast.key).startswith("suggestions."),
            )
            .order_by(col(Broadcast.id))
        )
        return [
            (str(key), str(message["text"]))
            for key, message in (await session.exec(statement)).all()
        ]
