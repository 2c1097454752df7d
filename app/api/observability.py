"""The database's state on /metrics: read when scraped, at most every 15 s, never per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.jobs.registry import JOBS
from app.jobs.runner import LEASE_NAME
from app.models import JobOutcome, RecipientStatus
from app.services import observability
from app.services.observability import StateSnapshot

log = structlog.get_logger(__name__)

MAX_AGE_SECONDS = 15.0
# Recipient statuses as labels; "unknown" reads as what it means to an operator.
STATUS_LABELS = {RecipientStatus.UNKNOWN.value: "in_doubt"}
OUTCOMES = [outcome.value for outcome in JobOutcome]


class StateMetrics(Collector):
    """A collector over the last database snapshot; `refresh` (a /metrics dependency) renews it.

    Every replica reports the same figures (one database): aggregate them with max, not sum.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        max_age: float = MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.max_age = max_age
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._read_at: float | None = None
        self._snapshot = StateSnapshot()
        self._ok = False

    def register(self, registry: CollectorRegistry) -> StateMetrics:
        """Add this collector to the app's registry."""
        registry.register(self)
        return self

    def _fresh(self) -> bool:
        return self._read_at is not None and self._monotonic() - self._read_at < self.max_age

    async def refresh(self) -> None:
        """Read the database unless the last reading is fresh; one reader at a time."""
        if self._fresh():
            return
        async with self._lock:
            if self._fresh():  # a concurrent scrape read it while this one waited
                return
            try:
                async with self._sessions() as session:
                    self._snapshot = await observability.snapshot(
                        session, jobs=list(JOBS), lease=LEASE_NAME, now=self._clock()
                    )
                self._ok = True
            except Exception as exc:  # the database is away: say so, keep the last figures
                log.warning("metrics state not read", error=type(exc).__name__)
                self._ok = False
            self._read_at = self._monotonic()

    def collect(self) -> Iterator[Metric]:
        """The gauges of the last snapshot."""
        state = self._snapshot
        ok = GaugeMetricFamily(
            "shente_state_read_ok", "1 when the last database reading for /metrics succeeded"
        )
        ok.add_metric([], 1 if self._ok else 0)
        yield ok
        recipients = GaugeMetricFamily(
            "shente_broadcast_recipients",
            "Recipients of broadcasts still at work (ready, sending, paused), by kind, "
            "broadcast status and recipient status (in_doubt: the answer was lost)",
            labels=["kind", "broadcast_status", "status"],
        )
        for (kind, state_, status), count in sorted(state.recipients.items()):
            recipients.add_metric([kind, state_, STATUS_LABELS.get(status, status)], count)
        yield recipients
        yield from _scheduler_metrics(state)
        deferred = GaugeMetricFamily(
            "shente_deferred_replies_overdue",
            "Messages answered with a holding reply whose handler has not finished after 1 min",
        )
        deferred.add_metric([], state.deferred_overdue)
        yield deferred


def _scheduler_metrics(state: StateSnapshot) -> Iterator[Metric]:
    """The lease holder and each job's latest run."""
    leader = GaugeMetricFamily(
        "shente_scheduler_leader",
        '1 for the scheduler holding the lease; holder="" 0 when nobody holds it',
        labels=["holder"],
    )
    leader.add_metric([state.leader or ""], 1 if state.leader else 0)
    yield leader
    started = GaugeMetricFamily(
        "shente_scheduler_last_run_timestamp_seconds",
        "When each job's latest run started (Unix time)",
        labels=["job"],
    )
    lag = GaugeMetricFamily(
        "shente_scheduler_last_run_lag_seconds",
        "How late each job's latest run started after its due time",
        labels=["job"],
    )
    outcome = GaugeMetricFamily(
        "shente_scheduler_last_run_outcome",
        "1 for the outcome of each job's latest run (running, ok, idle, failed)",
        labels=["job", "outcome"],
    )
    for job, run in sorted(state.last_runs.items()):
        started.add_metric([job], run.started_at.timestamp())
        lag.add_metric([job], max(0.0, (run.started_at - run.due_at).total_seconds()))
        for name in OUTCOMES:
            outcome.add_metric([job, name], 1 if run.outcome == name else 0)
    yield started
    yield lag
    yield outcome
