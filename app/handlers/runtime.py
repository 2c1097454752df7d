"""Run one delivery: answer inside WeChat's deadline, store it with its answer, replay to retries.

A delivery is handled in one unit of work: the handler's side effects and the row recording the
message with its answer commit together, so a retry or a concurrent duplicate can never repeat a
side effect (its insert finds the row and its own work is rolled back). A handler that outruns
the budget gets a holding reply, stored first in a separate short transaction; when it finishes,
it recognises that row by its attempt id and records its result as a late reply.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import Standalone, is_database_unavailable, unit_of_work
from app.handlers.followups import FollowUpSender
from app.handlers.registry import HandlerContext, Match, MessageRouter, Reply
from app.metrics import Metrics
from app.models import InboundStatus
from app.services import prompts
from app.services.messages import inbound as inbound_service
from app.wechat.dedup import ResponseCache, dedup_key
from app.wechat.inbound import InboundMessage
from app.wechat.replies import create_reply

log = structlog.get_logger(__name__)

HOLDING_TEXT = "消息已收到，正在处理，稍后把结果发给您。"
APOLOGY_TEXT = "抱歉，系统暂时出了点问题，请稍后再试。"
SUCCESS = "success"  # what WeChat wants when there is nothing to say
# An answer that took this share of the reply budget or more is cached for WeChat's retries.
LATE_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt at handling one message."""

    inbound: InboundMessage
    key: str
    match: Match | None
    received_at: datetime
    seal: Callable[[str], str]
    # Redis saw this key for the first time: no earlier attempt to look up in the database.
    first_sight: bool = False
    # The rule's answer without a question open is fixed: one statement may store it.
    one_statement: bool = False
    attempt: str = field(default_factory=lambda: secrets.token_hex(16))  # as uuid4().hex: 32

    @property
    def handler_name(self) -> str:
        """The registered name of the handler, for the message log."""
        return self.match.rule.name if self.match else "none"


class _AlreadyAnswered(Exception):  # a signal between two attempts, not an error
    """Another attempt stored this delivery first: roll back ours and replay its answer."""

    def __init__(self, response_body: str) -> None:
        super().__init__("already answered")
        self.response_body = response_body


@dataclass
class Dispatcher:
    """Turns a verified inbound message into the response body WeChat receives."""

    router: MessageRouter
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    cache: ResponseCache
    metrics: Metrics
    clock: Callable[[], datetime]
    followups: FollowUpSender

    def __post_init__(self) -> None:
        self._background: set[asyncio.Task[str]] = set()
        self._puts: set[asyncio.Task[None]] = set()  # answers on their way to the cache
        # Most messages need no transaction: a text with no question open is one look and one
        # insert, each a single autocommitted round trip.
        self._standalone = Standalone(self.engine)
        self._grouped = inbound_service.GroupedRecords(self._standalone)

    async def answer(self, inbound: InboundMessage, seal: Callable[[str], str]) -> str:
        """The response body for this delivery; `seal` encrypts a plaintext reply when needed."""
        started = time.monotonic()
        key = dedup_key(inbound.fields)
        match = self.router.resolve(inbound.message)
        # Most messages (a text, a photo, an event with no question open) are answered and
        # stored by one statement, whose unique key also tells a retry: asking Redis first
        # would add a round trip and save none.
        one_statement = (
            self._standalone.direct and match is not None and match.rule.unprompted is not None
        )
        first_sight = False
        if not one_statement:
            cached, first_sight = await self.cache.claim(key)
            if cached is not None:
                self.metrics.duplicates.inc()
                return cached
        delivery = Delivery(inbound, key, match, self.clock(), seal, first_sight, one_statement)
        try:
            body = await self._run(delivery)
        except DBAPIError as exc:
            # A pooled connection the server dropped (restart, idle timeout) fails on first use;
            # nothing was committed, so one more try on a fresh connection is safe.
            if not exc.connection_invalidated:
                raise
            log.warning("database connection was stale; retrying once")
            body = await self._run(delivery)
        if time.monotonic() - started >= self.settings.wechat_reply_budget_seconds * LATE_SHARE:
            # WeChat asks again for what it had no answer to within 5 s: a late answer is
            # remembered (after it leaves) for its retries. A prompt one is not, since a Redis
            # command costs about as much CPU as a statement; its retry, should one come (a
            # response lost on the way), is answered from the database's row.
            remember = asyncio.create_task(self.cache.put(key, body))
            self._puts.add(remember)
            remember.add_done_callback(self._puts.discard)
        return body

    async def _run(self, delivery: Delivery) -> str:
        """Handle within the budget, or answer with a holding reply and let the handler finish."""
        task = asyncio.create_task(self._handle(delivery))
        done, _ = await asyncio.wait({task}, timeout=self.settings.wechat_reply_budget_seconds)
        if done:
            return task.result()
        return await self._defer(delivery, task)

    def _render(self, reply: Reply, delivery: Delivery) -> str:
        """Plaintext reply XML, or "success" when there is nothing to say."""
        if reply is None or reply == "":
            return SUCCESS
        return str(create_reply(reply, delivery.inbound.message, render=True))

    def _seal(self, xml: str, delivery: Delivery) -> str:
        return xml if xml == SUCCESS else delivery.seal(xml)

    async def _record(
        self,
        session: inbound_service.Database,
        delivery: Delivery,
        status: InboundStatus,
        xml: str,
        body: str,
        error: str | None = None,
    ) -> int | None:
        """Insert the delivery with this answer; None when another attempt got there first."""
        return await inbound_service.record(session, self._row(delivery, status, xml, body, error))

    def _row(
        self,
        delivery: Delivery,
        status: InboundStatus,
        xml: str,
        body: str,
        error: str | None = None,
    ) -> dict[str, Any]:
        """The delivery's row with this answer, as inbound_service stores it."""
        inbound = delivery.inbound
        return inbound_service.row(
            dedup_key=delivery.key,
            attempt=delivery.attempt,
            fields=inbound.fields,
            msg_type=str(inbound.fields.get("MsgType", inbound.message.type)),
            event=str(getattr(inbound.message, "event", "") or "") or None,
            encrypted=inbound.encrypted,
            received_at=delivery.received_at,
            status=status,
            handler=delivery.handler_name,
            reply=xml,
            response_body=body,
            now=self.clock(),
            error=error,
        )

    async def _call_handler(
        self, delivery: Delivery, session: AsyncSession, standalone: Standalone
    ) -> Reply:
        if delivery.match is None:
            return None
        rule = delivery.match.rule
        if rule.keyword or rule.pattern or rule.event_key or delivery.match.button_key:
            # A keyword or a button is the member doing something else: an open question (a
            # leave reason, a test's next answer) must not take their next text any more.
            openid = str(delivery.inbound.fields.get("FromUserName"))
            await prompts.clear(session, openid=openid, standalone=standalone)
        return await rule.handler(
            HandlerContext(
                message=delivery.inbound.message,
                fields=delivery.inbound.fields,
                session=session,
                settings=self.settings,
                now=self.clock(),
                router=self.router,
                keyword_args=delivery.match.keyword_args,
                button_key=delivery.match.button_key,
                standalone=standalone,
            )
        )

    async def _handle(self, delivery: Delivery) -> str:
        """Answer the delivery; a handler's writes (if any) and the stored answer commit as one."""
        try:
            answered = await self._answer_unprompted(delivery) if delivery.one_statement else None
            if answered is None:
                if not delivery.first_sight:
                    existing = await inbound_service.find(self._standalone, dedup_key=delivery.key)
                    if existing is not None:  # a retry of something already answered
                        self.metrics.duplicates.inc()
                        return existing.response_body
                answered = await self._answer_in_session(delivery)
        except _AlreadyAnswered as already:
            self.metrics.duplicates.inc()
            return already.response_body
        except Exception as exc:
            if is_database_unavailable(exc):
                raise  # the edge answers 503, WeChat retries, and nothing was written
            log.exception("handler failed", handler=delivery.handler_name)
            self.metrics.handler_errors.labels(handler=delivery.handler_name).inc()
            return await self._record_failure(delivery, exc)
        body, late = answered
        if late is not None:
            await self.followups.send(
                openid=str(delivery.inbound.fields["FromUserName"]), reply=late
            )
        return body

    async def _answer_in_session(self, delivery: Delivery) -> tuple[str, Reply]:
        """Run the handler in a session: (the body, and the reply again if it comes late)."""
        standalone = self._standalone
        late: Reply = None
        session = self.sessions()
        try:
            reply = await self._call_handler(delivery, session, standalone)
            xml = self._render(reply, delivery)
            body = self._seal(xml, delivery)
            if session.new or session.dirty or session.deleted:
                await session.flush()
            # The handler's transaction carries the answer too; without one, it stands alone.
            db: inbound_service.Database = session if session.in_transaction() else standalone
            stored = await self._record(db, delivery, InboundStatus.REPLIED, xml, body)
            if stored is None:
                body = await self._settle_conflict(db, delivery, late_reply=xml)
                late = reply
            if db is session:
                await session.commit()
        finally:
            # Most deliveries never begin the session's transaction: closing it then releases
            # nothing and costs about 50 µs (a greenlet), so only a begun one is closed (rolled
            # back, before a failure is recorded in a transaction of its own).
            if session.in_transaction():
                await session.close()
        return body, late

    async def _answer_unprompted(self, delivery: Delivery) -> tuple[str, Reply] | None:
        """The rule's fixed answer, stored in one statement; None when a question is open (the
        handler decides then). Also (body, late reply) when our holding reply went first."""
        assert delivery.match is not None and delivery.match.rule.unprompted is not None
        reply = delivery.match.rule.unprompted.reply
        xml = self._render(reply, delivery)
        body = self._seal(xml, delivery)
        row = self._row(delivery, InboundStatus.REPLIED, xml, body)
        stored, prompted = await self._grouped.record(row)
        if prompted:
            return None
        if stored is None:  # a retry (raises _AlreadyAnswered), or our own holding reply
            return await self._settle_conflict(self._standalone, delivery, late_reply=xml), reply
        return body, None

    async def _settle_conflict(
        self,
        session: inbound_service.Database,
        delivery: Delivery,
        *,
        late_reply: str | None,
        error: str | None = None,
    ) -> str:
        """The row exists: ours if it is our holding reply (complete it), else give way."""
        existing = await inbound_service.find(session, dedup_key=delivery.key, lock=True)
        assert existing is not None  # the insert conflicted with it
        if existing.attempt != delivery.attempt:
            raise _AlreadyAnswered(existing.response_body)
        await inbound_service.complete_deferred(
            session, inbound_id=existing.id, late_reply=late_reply, now=self.clock(), error=error
        )
        return existing.response_body

    async def _record_failure(self, delivery: Delivery, exc: Exception) -> str:
        """Apologise, once: retries get the same apology, not another attempt."""
        xml = self._render(APOLOGY_TEXT, delivery)
        body = self._seal(xml, delivery)
        error = repr(exc)[:2000]
        try:
            async with unit_of_work(self.sessions) as session:
                if (
                    await self._record(session, delivery, InboundStatus.FAILED, xml, body, error)
                    is None
                ):
                    body = await self._settle_conflict(
                        session, delivery, late_reply=None, error=error
                    )
        except _AlreadyAnswered as answered:
            return answered.response_body
        return body

    async def _defer(self, delivery: Delivery, task: asyncio.Task[str]) -> str:
        """Store and send a holding reply, unless an answer was stored while we decided."""
        xml = self._render(HOLDING_TEXT, delivery)
        body = self._seal(xml, delivery)
        async with unit_of_work(self.sessions) as session:
            stored = await self._record(session, delivery, InboundStatus.DEFERRED, xml, body)
            existing = (
                None if stored else await inbound_service.find(session, dedup_key=delivery.key)
            )
        self._background.add(task)
        task.add_done_callback(self._finished_in_background)
        if existing is not None:
            return existing.response_body  # our handler (or a concurrent delivery) just answered
        self.metrics.deferred.inc()
        return body

    def _finished_in_background(self, task: asyncio.Task[str]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("deferred handler failed", error=repr(task.exception()))

    async def drain(self, seconds: float = 10.0) -> None:
        """Let deferred handlers (and answers on their way to the cache) finish before exit,
        then close the standalone statements' idle connections."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=seconds)
        if self._puts:
            await asyncio.wait(set(self._puts), timeout=1.0)
        await self._standalone.close()
