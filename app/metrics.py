"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class Metrics:
    """The counters the callback path keeps, beside the HTTP metrics of the instrumentator."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
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
