"""Run one delivery: claim it once, answer inside WeChat's deadline, replay it to retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from wechatpy.replies import create_reply

from app.config import Settings
from app.db import is_database_unavailable, unit_of_work
from app.handlers.registry import HandlerContext, Match, MessageRouter, Reply
from app.metrics import Metrics
from app.models import InboundStatus
from app.services import inbound_messages as inbound_service
from app.wechat.dedup import ResponseCache, dedup_key
from app.wechat.inbound import InboundMessage

log = structlog.get_logger(__name__)

HOLDING_TEXT = "消息已收到,正在处理,稍后把结果发给您。"
APOLOGY_TEXT = "抱歉,系统暂时出了点问题,请稍后再试。"
SUCCESS = "success"  # what WeChat wants when there is nothing to say
_POLL_SECONDS = 0.05


class FollowUpSender(Protocol):
    """Delivers what a deferred handler produced after the holding reply went out."""

    async def send(self, *, openid: str, reply: Reply) -> None:
        """Push the late reply to the member (a customer-service message)."""
        ...


class LogOnlyFollowUps:
    """Until an outbound channel is configured, a late reply is stored and logged, not sent."""

    async def send(self, *, openid: str, reply: Reply) -> None:
        """Note that the late reply stays in the message log only."""
        log.warning("late reply not pushed: no outbound client configured")


@dataclass
class Dispatcher:
    """Turns a verified inbound message into the response body WeChat receives."""

    router: MessageRouter
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    cache: ResponseCache
    metrics: Metrics
    clock: Callable[[], datetime]
    followups: FollowUpSender

    def __post_init__(self) -> None:
        self._background: set[asyncio.Task[str]] = set()

    @property
    def budget(self) -> float:
        """Seconds a handler may take before the member gets a holding reply."""
        return self.settings.wechat_reply_budget_seconds

    @property
    def stale_after(self) -> timedelta:
        """A claim older than this with no answer belongs to a process that died."""
        return timedelta(seconds=self.budget + 2)

    async def answer(self, inbound: InboundMessage, seal: Callable[[str], str]) -> str:
        """The response body for this delivery; `seal` encrypts a plaintext reply when needed."""
        key = dedup_key(inbound.fields)
        cached = await self.cache.get(key)
        if cached is not None:
            self.metrics.duplicates.inc()
            return cached
        message = inbound.message
        async with unit_of_work(self.sessions) as session:
            claim = await inbound_service.claim(
                session,
                dedup_key=key,
                fields=inbound.fields,
                msg_type=str(inbound.fields.get("MsgType", message.type)),
                event=str(getattr(message, "event", "") or "") or None,
                encrypted=inbound.encrypted,
                now=self.clock(),
            )
        if claim.is_new:
            body = await self._run(claim.id, inbound, seal)
        else:
            self.metrics.duplicates.inc()
            body = await self._answer_duplicate(claim, key, inbound, seal)
        if body != SUCCESS or claim.is_new:
            await self.cache.put(key, body)
        return body

    async def _run(
        self, inbound_id: int, inbound: InboundMessage, seal: Callable[[str], str]
    ) -> str:
        """Run the handler; past the budget, answer with a holding reply and let it finish."""
        match = self.router.resolve(inbound.message)
        task = asyncio.create_task(self._handle(inbound_id, match, inbound, seal))
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        if done:
            return task.result()
        return await self._defer(inbound_id, match, task, inbound, seal)

    def _render(self, reply: Reply, inbound: InboundMessage) -> str:
        """Plaintext reply XML, or "success" when there is nothing to say."""
        if reply is None or reply == "":
            return SUCCESS
        return str(create_reply(reply, inbound.message, render=True))

    async def _handle(
        self,
        inbound_id: int,
        match: Match | None,
        inbound: InboundMessage,
        seal: Callable[[str], str],
    ) -> str:
        """Handler and answer in one unit of work: its side effects and our record commit as one."""
        name = match.rule.name if match else "none"
        late: Reply = None
        try:
            async with unit_of_work(self.sessions) as session:
                reply: Reply = None
                if match is not None:
                    ctx = HandlerContext(
                        message=inbound.message,
                        fields=inbound.fields,
                        session=session,
                        settings=self.settings,
                        now=self.clock(),
                        inbound_id=inbound_id,
                        router=self.router,
                        keyword_args=match.keyword_args,
                    )
                    reply = await match.rule.handler(ctx)
                xml = self._render(reply, inbound)
                body = xml if xml == SUCCESS else seal(xml)
                answered = await inbound_service.record_answer(
                    session,
                    inbound_id=inbound_id,
                    status=InboundStatus.REPLIED,
                    handler=name,
                    reply=xml,
                    response_body=body,
                    now=self.clock(),
                )
                if not answered:  # the holding reply went out first: this is a late reply
                    await inbound_service.record_late_reply(
                        session, inbound_id=inbound_id, late_reply=xml, now=self.clock()
                    )
                    late = reply
        except Exception as exc:
            if is_database_unavailable(exc):
                raise  # the edge answers 503 and WeChat retries; the claim is taken over then
            log.exception("handler failed", handler=name, inbound_id=inbound_id)
            self.metrics.handler_errors.labels(handler=name).inc()
            return await self._record_failure(inbound_id, name, inbound, seal, exc)
        if late is not None:
            await self.followups.send(openid=str(inbound.fields["FromUserName"]), reply=late)
        return body

    async def _record_failure(
        self,
        inbound_id: int,
        name: str,
        inbound: InboundMessage,
        seal: Callable[[str], str],
        exc: Exception,
    ) -> str:
        """Apologise to the member, once: retries get the same apology, not another attempt."""
        xml = self._render(APOLOGY_TEXT, inbound)
        body = seal(xml)
        async with unit_of_work(self.sessions) as session:
            answered = await inbound_service.record_answer(
                session,
                inbound_id=inbound_id,
                status=InboundStatus.FAILED,
                handler=name,
                reply=xml,
                response_body=body,
                now=self.clock(),
                error=repr(exc)[:2000],
            )
            if not answered:  # a holding reply already went out; keep the error on record
                await inbound_service.record_late_reply(
                    session, inbound_id=inbound_id, late_reply=None, now=self.clock()
                )
        return body

    async def _defer(
        self,
        inbound_id: int,
        match: Match | None,
        task: asyncio.Task[str],
        inbound: InboundMessage,
        seal: Callable[[str], str],
    ) -> str:
        """Record and send a holding reply, unless the handler answered while we decided."""
        xml = self._render(HOLDING_TEXT, inbound)
        body = seal(xml)
        async with unit_of_work(self.sessions) as session:
            deferred = await inbound_service.record_answer(
                session,
                inbound_id=inbound_id,
                status=InboundStatus.DEFERRED,
                handler=match.rule.name if match else "none",
                reply=xml,
                response_body=body,
                now=self.clock(),
            )
        if not deferred:
            return await task
        self.metrics.deferred.inc()
        self._background.add(task)
        task.add_done_callback(self._finished_in_background)
        return body

    def _finished_in_background(self, task: asyncio.Task[str]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("deferred handler failed", error=repr(task.exception()))

    async def _answer_duplicate(
        self,
        claim: inbound_service.Claim,
        key: str,
        inbound: InboundMessage,
        seal: Callable[[str], str],
    ) -> str:
        """Replay the first answer; wait for it while the first delivery is still working."""
        deadline = time.monotonic() + self.budget
        current: inbound_service.Claim | None = claim
        while current is not None:
            if current.response_body is not None:
                return current.response_body
            if self.clock() - current.claimed_at > self.stale_after:
                async with unit_of_work(self.sessions) as session:
                    won = await inbound_service.take_over(
                        session,
                        inbound_id=current.id,
                        seen_attempts=current.attempts,
                        now=self.clock(),
                    )
                if won:
                    log.warning("took over a stale delivery", inbound_id=current.id)
                    return await self._run(current.id, inbound, seal)
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(_POLL_SECONDS)
            async with self.sessions() as session:
                current = await inbound_service.find(session, dedup_key=key)
        # The first delivery is still inside its own budget: it will answer; we say nothing.
        return SUCCESS

    async def drain(self, seconds: float = 10.0) -> None:
        """Let deferred handlers finish before the process exits."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=seconds)
