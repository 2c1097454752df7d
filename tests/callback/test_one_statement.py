"""Most messages are stored with their answer in one statement, unless a question is open."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from app.db import Standalone
from app.handlers.common import UNKNOWN_TEXT
from app.models import InboundMessage, InboundStatus
from app.services import prompts
from app.services.messages import inbound as inbound_service
from tests.quizzes.test_quiz_chat import a_test
from tests.support.chat import add_party_members
from tests.support.plugin import count_rows, post
from tests.support.quizzes import attempts
from tests.support.wechat_peer import random_openid

# The statement inserts from a CTE guarded by the question's absence: PostgreSQL's path only
# (SQLite runs the handler, and tests/handlers cover the same answers there).
pytestmark = pytest.mark.postgres_only


class _Trips:
    """Counts the dispatcher's standalone statements (each one round trip)."""

    def __init__(self, standalone, monkeypatch) -> None:
        self.count = 0
        for method in ("fetchrow", "fetchval", "fetch_sql", "execute"):
            original = getattr(standalone, method)
            monkeypatch.setattr(standalone, method, self._counting(original))

    def _counting(self, original):
        async def counted(*args, **kwargs):
            self.count += 1
            return await original(*args, **kwargs)

        return counted


async def test_a_text_with_no_question_open_is_one_round_trip_and_its_retry_the_same_bytes(
    client, peer, backend, monkeypatch
):
    trips = _Trips(client.state.dispatcher._standalone, monkeypatch)
    xml = peer.text(random_openid(), "随便说一句")
    first = await post(client, peer, xml)
    assert peer.open_reply(first.text)["Content"] == UNKNOWN_TEXT
    assert trips.count == 1
    # Redis is not asked: the database's unique key tells the retry.
    assert not await client.state.redis.keys(f"{backend.redis_prefix}answer:*")
    retry = await post(client, peer, xml)
    assert retry.content == first.content
    assert await count_rows(client, InboundMessage) == 1
    metrics = (await client.get("/metrics")).text
    assert "shente_wechat_duplicates_total 1.0" in metrics


async def test_concurrent_deliveries_of_a_text_store_one_row_and_give_one_answer(client, peer):
    xml = peer.text(random_openid(), "你好")
    responses = await asyncio.gather(*(post(client, peer, xml) for _ in range(4)))
    assert all(r.status_code == 200 for r in responses)
    assert len({r.content for r in responses}) == 1
    assert await count_rows(client, InboundMessage) == 1


async def test_a_photo_and_an_event_are_stored_and_answered_with_success(client, peer):
    openid = random_openid()
    for xml in (peer.event(openid, "LOCATION"), peer.event(openid, "VIEW", "https://x.test/")):
        response = await post(client, peer, xml)
        assert response.text == "success"
    assert await count_rows(client, InboundMessage) == 2


async def test_a_retry_of_an_answer_does_not_answer_the_question_asked_next(
    client, clock, peer, chat
):
    """The answer opened the next question: the retry finds a question open, and must be told
    from a new answer by the stored row, not handed to the handler."""
    [member] = await add_party_members(client, 1)
    quiz_id, (first_question, _, _) = await a_test(client, clock)
    await chat.say(member.openid, "答题")
    peer.now = clock().timestamp()
    xml = peer.text(member.openid, "A")
    first = await post(client, peer, xml)
    assert peer.open_reply(first.text)["Content"].startswith("第 2/3 题（多选题）")
    retry = await post(client, peer, xml)
    assert retry.content == first.content
    [attempt] = await attempts(client, quiz_id)
    assert attempt.answers == {str(first_question): "A"}


def _row(openid: str, key: str, content: str = "你好") -> dict[str, Any]:
    now = datetime.now(UTC)
    fields = {
        "ToUserName": "gh_test",
        "FromUserName": openid,
        "CreateTime": str(int(now.timestamp())),
        "MsgType": "text",
        "Content": content,
        "MsgId": key,
    }
    return inbound_service.row(
        dedup_key=f"msg:{key}",
        attempt=secrets.token_hex(16),
        fields=fields,
        msg_type="text",
        event=None,
        encrypted=True,
        received_at=now,
        status=InboundStatus.REPLIED,
        handler="common.on_other_text",
        reply="<xml/>",
        response_body="body",
        now=now,
    )


async def test_rows_that_arrive_together_go_in_one_statement_each_with_its_own_answer(client):
    standalone = Standalone(client.state.engine)
    grouped = inbound_service.GroupedRecords(standalone)
    asked = random_openid()
    async with client.sessions() as session:
        await prompts.ask(
            session, openid=asked, purpose="x", subject_id=None, now=datetime.now(UTC)
        )
        await session.commit()
    fresh, twin = _row(random_openid(), "1"), _row(random_openid(), "2")
    retry = twin | {"attempt": secrets.token_hex(16)}  # the same delivery, a second attempt
    rows = [fresh, twin, retry, _row(asked, "3")]
    statements = 0
    fetch_sql = standalone.fetch_sql

    async def counted(*args):
        nonlocal statements
        statements += 1
        return await fetch_sql(*args)

    standalone.fetch_sql = counted  # type: ignore[method-assign]
    try:
        answers = await asyncio.gather(*(grouped.record(row) for row in rows))
    finally:
        await standalone.close()
    assert statements == 1
    (fresh_id, fresh_asked), (twin_id, _), retried, prompted = answers
    assert fresh_id and twin_id and not fresh_asked
    assert retried == (None, False)  # stored by its twin: the caller settles it as a retry
    assert prompted == (None, True)  # a question is open: the handler decides
    assert await count_rows(client, InboundMessage) == 2


async def test_a_row_the_server_refuses_fails_alone(client):
    standalone = Standalone(client.state.engine)
    grouped = inbound_service.GroupedRecords(standalone)
    good, bad = _row(random_openid(), "4"), _row(random_openid(), "5", content="a\x00b")
    try:
        results = await asyncio.gather(
            grouped.record(good), grouped.record(bad), return_exceptions=True
        )
    finally:
        await standalone.close()
    stored, refused = results
    assert isinstance(stored, tuple) and stored[0] is not None
    assert isinstance(refused, asyncpg.PostgresError)
    assert await count_rows(client, InboundMessage) == 1
