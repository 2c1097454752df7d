"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

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
