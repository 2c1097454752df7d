"""BroadcastSender: send every due broadcast to each of its people exactly once.

The rules that make "exactly once" hold:
- a row is claimed (status `sending`, committed) before its request leaves, and only `pending`
  rows are ever claimed, so two senders never take the same row;
- an outcome is written only while the row is still `sending` and claimed by this sender;
- a failure that may have reached WeChat (a time-out, a lost answer) is never retried blindly:
  the row becomes `unknown` until WeChat's receipt settles it (see services.broadcasts.workers);
- a quota error puts the row back and pauses the broadcast instead of dropping anyone;
- on stop() (SIGTERM) claimed rows whose request has not left go back to `pending` (stopping).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.broadcasting.finished import Finished
from app.broadcasting.mass import MassBatches
from app.broadcasting.messages import link_for, send_one
from app.broadcasting.outcomes import INTERNAL, SendReport, failure_outcome
from app.broadcasting.presence import Presence
from app.broadcasting.stopping import StopSignal
from app.config import Settings
from app.db import is_database_unavailable, unit_of_work
from app.models import (
    Broadcast,
    BroadcastStatus,
    RecipientStatus,
)
from app.models.broadcasts import PauseKind
from app.models.types import CHINA, utcnow
from app.services.broadcasts import lifecycle
from app.services.broadcasts import rows as row_service
from app.services.broadcasts import workers as worker_service
from app.services.broadcasts.links import RecipientLinks
from app.services.broadcasts.rows import Claimed, Outcome
from app.timing import QuietHours
from app.wechat.client import WeChatClient
from app.wechat.errors import (
    QuotaError,
    WeChatError,
)
from app.wechat.ratelimit import LimiterClosed

log = structlog.get_logger(__name__)

FLUSH_SECONDS = 0.1
HEARTBEAT_SECONDS = 5.0
STATUS_CHECK_SECONDS = 1.0
DB_ATTEMPTS = 4  # 0.5 + 1 + 2 s of waiting for the database before giving up
T = TypeVar("T")


def next_china_midnight(now: datetime) -> datetime:
    """When WeChat's daily quotas reset (00:00 China time)."""
    local = now.astimezone(CHINA)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)


class BroadcastSender:
    """One sender process (or task); several may run at once against one database."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        client: WeChatClient,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        concurrency: int | None = None,
        retry_base_seconds: float = 2.0,
        max_idle_wait: float = 30.0,
        on_progress: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """Configure; nothing is touched until run()."""
        self.engine = engine
        self.sessions = sessions
        self.client = client
        self.settings = settings
        self.clock = clock
        self.concurrency = concurrency or settings.broadcast_concurrency
        self.retry_base = retry_base_seconds
        self.max_idle_wait = max_idle_wait
        self.on_progress = on_progress
        self.worker_id = f"w-{uuid.uuid4().hex[:16]}"
        self.presence = Presence(engine, sessions, self.worker_id, clock)
        self.links = RecipientLinks(
            settings.public_base_url, settings.secret_key.get_secret_value(), clock
        )
        self._quota: QuotaError | None = None
        self._last_heartbeat = 0.0
        self._quiet: datetime | None = None
        self.quiet_hours = QuietHours.parse(settings.quiet_hours)
        self._stop = StopSignal(client)
        self._blips = 0  # database blips waited out: a claim's answer may have been lost

    def stop(self) -> None:
        """Shut down soon (SIGTERM): claim nothing more and hand back what has not been sent."""
        self._stop.set()

    # --- the run ------------------------------------------------------------------------
    async def run(self, broadcast_id: int | None = None) -> SendReport:
        """Settle what dead senders left, then send every due broadcast (or just one)."""
        report = SendReport()
        grace = timedelta(seconds=self.settings.broadcast_receipt_grace_seconds)
        # Quiet-hours pauses are judged by the settings of now, not by the time they stored.
        quiet = self.quiet_hours
        quiet_now = quiet is not None and quiet.until(self.clock()) is not None
        async with self.sessions() as session:
            if not await lifecycle.anything_to_do(
                session,
                now=self.clock(),
                grace=grace,
                broadcast_id=broadcast_id,
                quiet_now=quiet_now,
            ):
                return report  # the scheduler asks every 30 s; most rounds find nothing
        async with self.presence.held():
            async with unit_of_work(self.sessions) as session:
                report.reconciled = await worker_service.reconcile(
                    session, now=self.clock(), grace=grace, exclude=self.worker_id
                )
            async with self.sessions() as session:
                due = await lifecycle.due(
                    session, now=self.clock(), broadcast_id=broadcast_id, quiet_now=quiet_now
                )
            for bid in due:
                if self._stop.requested:
                    break
                await self._send_broadcast(bid, report)
        return report

    def _quiet_until(self, broadcast: Broadcast) -> datetime | None:
        """The end of the quiet hours we are in (None: send), unless the broadcast is urgent or
        an admin chose to send it in quiet hours."""
        return lifecycle.quiet_until(broadcast, self.quiet_hours, self.clock())

    async def _send_broadcast(self, broadcast_id: int, report: SendReport) -> None:
        async with unit_of_work(self.sessions) as session:
            broadcast = await row_service.get(session, broadcast_id=broadcast_id)
            if broadcast is None:
                return
            quiet = self._quiet_until(broadcast)
            if quiet is not None:
                await self._pause_quiet(session, broadcast_id, quiet, report)
                return
            if not await lifecycle.start(session, broadcast_id=broadcast_id, now=self.clock()):
                return
        report.broadcasts.append(broadcast_id)
        self._quota = None
        self._quiet = None
        log.info("broadcast sending", broadcast=broadcast_id, worker=self.worker_id)
        mass = MassBatches(self.sessions, self.client, self.settings, self.clock, self.worker_id)
        await mass.send(broadcast, report)
        self._quota = mass.quota
        if self._quota is None and not self._stop.requested:
            await self._send_rows(broadcast, report)
        async with unit_of_work(self.sessions) as session:
            if self._quota is not None:
                until = next_china_midnight(self.clock())
                reason = (
                    f"微信今日额度已用完（errcode {self._quota.errcode}），"
                    f"{until.astimezone(CHINA):%m-%d %H:%M} 自动继续"
                )
                await lifecycle.pause(
                    session,
                    broadcast_id=broadcast_id,
                    until=until,
                    reason=reason,
                    kind=PauseKind.QUOTA,
                )
                report.paused.append(broadcast_id)
            elif self._quiet is not None:
                await self._pause_quiet(session, broadcast_id, self._quiet, report)
            else:
                await lifecycle.finish_if_settled(
                    session,
                    broadcast_id=broadcast_id,
                    now=self.clock(),
                    grace=timedelta(seconds=self.settings.broadcast_receipt_grace_seconds),
                )
        await self._progress(broadcast_id)

    async def _pause_quiet(
        self, session: AsyncSession, broadcast_id: int, until: datetime, report: SendReport
    ) -> None:
        assert self.quiet_hours is not None
        reason = lifecycle.quiet_reason(self.quiet_hours, until)
        await lifecycle.pause(
            session, broadcast_id=broadcast_id, until=until, reason=reason, kind=PauseKind.QUIET
        )
        report.paused.append(broadcast_id)

    # --- per-person rows ----------------------------------------------------------------
    async def _send_rows(self, broadcast: Broadcast, report: SendReport) -> None:
        """Send the per-person rows; if the database goes away, finish what is in flight."""
        inflight: set[asyncio.Task[Outcome]] = set()
        outcomes: list[Outcome] = []
        try:
            await self._pump(broadcast, report, inflight, outcomes)
        finally:
            # Requests already on their way complete; their outcomes are written if the
            # database lets us. Whatever cannot be written stays `sending` and is reconciled.
            if inflight:
                done, _ = await asyncio.wait(inflight, timeout=self._drain_seconds())
                outcomes.extend(t.result() for t in done)
            if outcomes:
                with contextlib.suppress(Exception):
                    await self._flush(broadcast.id or 0, outcomes, report)

    def _drain_seconds(self) -> float:
        return self.settings.wechat_api_timeout_seconds * (self.settings.wechat_api_max_retries + 1)

    async def _pump(
        self,
        broadcast: Broadcast,
        report: SendReport,
        inflight: set[asyncio.Task[Outcome]],
        outcomes: list[Outcome],
    ) -> None:
        """Keep up to `concurrency` requests in flight; write outcomes in small groups."""
        assert broadcast.id is not None
        last_flush = last_check = time.monotonic()
        stopping = False
        low_water = max(1, self.concurrency // 4)
        finished = Finished()
        held: set[int] = set()  # claimed rows in flight or with an outcome not yet written
        while True:
            stopping = stopping or self._stop.requested
            claimed: list[Claimed] = []
            if not stopping and self.concurrency - len(inflight) >= low_water:
                claimed = await self._claim(broadcast.id, self.concurrency - len(inflight), held)
                held.update(row.id for row in claimed)
                for row in claimed:
                    task = asyncio.create_task(self._send_row(broadcast, row))
                    inflight.add(task)
                    finished.watch(task)
            if not inflight:
                if outcomes:
                    await self._flush(broadcast.id, outcomes, report)
                    held.difference_update(o.row_id for o in outcomes)
                    outcomes.clear()
                if stopping:
                    break
                if not claimed:
                    wait = await self._wait_for_retries(broadcast.id)
                    if wait is None:
                        break
                    await self._stop.wait(wait)
                continue
            for task in await finished.wait(FLUSH_SECONDS):
                inflight.discard(task)
                outcomes.append(task.result())
            if self._quota is not None:
                stopping = True
            now = time.monotonic()
            if outcomes and (len(outcomes) >= low_water or now - last_flush >= FLUSH_SECONDS):
                await self._flush(broadcast.id, outcomes, report)
                held.difference_update(o.row_id for o in outcomes)
                outcomes.clear()
                last_flush = now
            if not stopping and now - last_check >= STATUS_CHECK_SECONDS:
                last_check = now
                self._quiet = self._quiet_until(broadcast)  # 22:00 came mid-broadcast
                stopping = self._quiet is not None or not await self._still_wanted(broadcast.id)

    async def _claim(self, broadcast_id: int, limit: int, held: set[int]) -> list[Claimed]:
        """Claim up to `limit` rows, plus any an earlier claim took while its answer was lost."""
        blips = self._blips
        claimed = await self._db(
            partial(
                row_service.claim,
                broadcast_id=broadcast_id,
                worker=self.worker_id,
                limit=limit,
                now=self.clock(),
            )
        )
        while blips != self._blips:  # the database blipped: a claim may have committed unseen
            blips = self._blips
            known = held | {row.id for row in claimed}
            claimed += await self._db(
                partial(
                    row_service.unknown_claims,
                    broadcast_id=broadcast_id,
                    worker=self.worker_id,
                    known=known,
                )
            )
        return claimed

    async def _wait_for_retries(self, broadcast_id: int) -> float | None:
        """Seconds until the next retry is due, or None when nothing is left for this run."""
        due_at = await self._db(
            lambda session: row_service.next_due(
                session, broadcast_id=broadcast_id, now=self.clock()
            )
        )
        if due_at is None:
            return None
        wait = (due_at - self.clock()).total_seconds()
        if wait > self.max_idle_wait:
            return None  # the scheduler's next round picks it up
        return max(0.01, wait)

    async def _still_wanted(self, broadcast_id: int) -> bool:
        broadcast = await self._db(lambda session: session.get(Broadcast, broadcast_id))
        return broadcast is not None and broadcast.status == BroadcastStatus.SENDING.value

    async def _send_row(self, broadcast: Broadcast, row: Claimed) -> Outcome:
        """Send to one person and say what happened; never raises."""
        assert row.id is not None
        try:
            msgid = await send_one(
                self.client,
                broadcast=broadcast,
                row=row,
                url=link_for(broadcast, row, self.links),
                template_id=self.settings.wechat_template_notice_id,
                subscribe_template_id=self.settings.wechat_subscribe_template_id,
            )
        except LimiterClosed:
            # Stopping, and this request never left: the row is pending again, due now.
            return Outcome(row.id, RecipientStatus.PENDING, counts_attempt=False)
        except WeChatError as exc:
            if isinstance(exc, QuotaError):
                self._quota = exc
            return failure_outcome(
                row,
                exc,
                now=self.clock(),
                max_attempts=self.settings.broadcast_max_attempts,
                retry_base=self.retry_base,
            )
        except Exception:
            log.exception("broadcast row crashed", broadcast=broadcast.id, row=row.id)
            return Outcome(
                row.id, RecipientStatus.UNKNOWN, reason=INTERNAL, in_doubt_since=self.clock()
            )
        return Outcome(row.id, RecipientStatus.SENT, msgid=msgid, sent_at=self.clock())

    async def _db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run one unit of work; a database blip is waited out (briefly), then the run stops."""
        for attempt in range(DB_ATTEMPTS):
            try:
                async with unit_of_work(self.sessions) as session:
                    return await work(session)
            except Exception as exc:
                if not is_database_unavailable(exc) or attempt == DB_ATTEMPTS - 1:
                    raise
                log.warning("broadcast database unavailable, waiting", error=type(exc).__name__)
                self._blips += 1
                await asyncio.sleep(0.5 * 2**attempt)
                await self.presence.relock()
        raise AssertionError("unreachable")

    async def _flush(self, broadcast_id: int, outcomes: list[Outcome], report: SendReport) -> None:
        """Write outcomes (and the heartbeat) in one unit of work."""

        async def write(session: AsyncSession) -> None:
            await row_service.record(session, worker=self.worker_id, outcomes=outcomes)
            if time.monotonic() - self._last_heartbeat >= HEARTBEAT_SECONDS:
                self._last_heartbeat = time.monotonic()
                await worker_service.heartbeat(session, worker_id=self.worker_id, now=self.clock())

        await self._db(write)
        for outcome in outcomes:
            report.count(outcome)
        await self._progress(broadcast_id)

    async def _progress(self, broadcast_id: int) -> None:
        if self.on_progress is not None:
            await self.on_progress(broadcast_id)
