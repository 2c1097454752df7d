"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Info
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# What WeChat sends (wechat.md); anything else is counted as "other", so a sender cannot
# invent labels (each new label is a new time series kept for the life of the process).
MSG_TYPES = frozenset(
    {"text", "image", "voice", "video", "shortvideo", "location", "link", "file", "event"}
    | {"miniprogrampage"}
)
EVENTS = frozenset(
    {"subscribe", "unsubscribe", "scan", "click", "view", "location", "scancode_push"}
    | {"scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select"}
    | {"templatesendjobfinish", "masssendjobfinish", "publishjobfinish", "view_miniprogram"}
    | {"subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event"}
)
OTHER = "other"


def callback_labels(msg_type: str, event: str) -> tuple[str, str]:
    """The (msg_type, event) labels of a callback: known values as sent, the rest "other"."""
    kind = msg_type if msg_type in MSG_TYPES else OTHER
    if not event:
        return kind, ""
    return kind, event if event.lower() in EVENTS else OTHER


class Metrics:
    """The counters the callback path keeps, beside the HTTP metrics of the instrumentator."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        instance: str = "",
        version: str = "",
        quotas: Mapping[str, int] | None = None,
    ) -> None:
        self.registry = registry or CollectorRegistry()
        # Which process answered the scrape (each replica and worker is one), and its release.
        self.instance = Info(
            "shente_instance", "This process: instance id and version", registry=self.registry
        )
        self.instance.info({"instance_id": instance, "version": version})
        self.outbound = OutboundMetrics(self.registry, quotas=quotas or {})
        self.callbacks = Counter(
            "shente_wechat_callbacks_total",
            "Verified WeChat callbacks by message type and event",
            ["msg_type", "event"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "shente_wechat_duplicates_total",
            "Deliveries recognised as retries and answered from the record",
            registry=self.registry,
        )
        self.rejections = Counter(
            "shente_wechat_rejections_total",
            "Callbacks refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.deferred = Counter(
            "shente_wechat_deferred_total",
            "Handlers that outran the reply budget and finished in the background",
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "shente_wechat_handler_errors_total",
            "Handlers that raised",
            ["handler"],
            registry=self.registry,
        )


# WeChat's daily quotas start again at 00:00 Beijing time (UTC+8, no daylight saving).
BEIJING_OFFSET_SECONDS = 8 * 3600
DAY_SECONDS = 86400
NO_ERRCODE = "none"  # no answer from WeChat at all: a time-out, a 5xx, a connection error


class OutboundSink(Protocol):
    """What the outbound WeChat client reports: every call's outcome and every token fetch."""

    def api_call(self, api: str, errcode: int | None) -> None:
        """One exchange with WeChat: its errcode (0 for success, None for no answer)."""

    def token_refresh(self) -> None:
        """A new access token was fetched from WeChat."""


class NoOutboundMetrics:
    """The default sink: counts nothing (commands and the scheduler serve no /metrics)."""

    def api_call(self, api: str, errcode: int | None) -> None:
        """Ignore the call."""

    def token_refresh(self) -> None:
        """Ignore the refresh."""


NO_OUTBOUND_METRICS = NoOutboundMetrics()


class OutboundMetrics:
    """Outbound calls by API and errcode, token refreshes, and today's calls against quotas."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        quotas: Mapping[str, int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.calls = Counter(
            "shente_wechat_api_calls_total",
            "Outbound WeChat API exchanges by API and errcode (none: no answer)",
            ["api", "errcode"],
            registry=registry,
        )
        self.token_refreshes = Counter(
            "shente_wechat_token_refreshes_total",
            "Access tokens fetched from WeChat by this process",
            registry=registry,
        )
        self.today = DailyCalls(quotas, clock)
        registry.register(self.today)
        # A broadcast makes thousands of calls: each (api, errcode) child is looked up once.
        self._children: dict[tuple[str, int | None], Counter] = {}

    def api_call(self, api: str, errcode: int | None) -> None:
        """Count one exchange with WeChat."""
        child = self._children.get((api, errcode))
        if child is None:
            label = NO_ERRCODE if errcode is None else str(errcode)
            child = self._children[api, errcode] = self.calls.labels(api, label)
        child.inc()
        self.today.add(api)

    def token_refresh(self) -> None:
        """Count one token fetch."""
        self.token_refreshes.inc()


class DailyCalls(Collector):
    """This process's calls per API since 00:00 Beijing time, beside the configured quotas.

    WeChat reports no quota use to the caller, so the count is ours: per process, since its
    start or midnight; the sum over every scraped instance approximates the account's use.
    """

    def __init__(self, quotas: Mapping[str, int], clock: Callable[[], float]) -> None:
        self.quotas = dict(quotas)
        self._clock = clock
        self._day = -1
        # /metrics renders in a worker thread while the event loop counts: no lock is needed,
        # as copying or replacing a dict is one step under the GIL, and a count lost in the
        # instant of midnight does not matter.
        self._counts: dict[str, int] = {}

    def _today(self) -> int:
        """Days since 1970-01-01 in Beijing."""
        return int((self._clock() + BEIJING_OFFSET_SECONDS) // DAY_SECONDS)

    def add(self, api: str) -> None:
        """Count one call today."""
        today = self._today()
        if today != self._day:
            self._day, self._counts = today, {}
        counts = self._counts
        counts[api] = counts.get(api, 0) + 1

    def collect(self) -> Iterator[Metric]:
        """Today's calls per API (none after midnight until the next call) and the quotas."""
        counts = dict(self._counts) if self._today() == self._day else {}
        calls = GaugeMetricFamily(
            "shente_wechat_api_calls_today",
            "WeChat API calls of this process since 00:00 Beijing time, by API",
            labels=["api"],
        )
        for api in sorted(counts.keys() | self.quotas.keys()):
            calls.add_metric([api], counts.get(api, 0))
        yield calls
        limits = GaugeMetricFamily(
            "shente_wechat_api_daily_quota",
            "WeChat's daily call limit per API, as configured (WECHAT_DAILY_QUOTAS)",
            labels=["api"],
        )
        for api, limit in sorted(self.quotas.items()):
            limits.add_metric([api], limit)
        yield limits
