"""SandboxState: everything the fake WeChat remembers, in memory, inspectable from tests."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import secrets
import string
import time
from collections import Counter, deque
from typing import Any

from app.dev.sandbox import rules
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.faults import Faults
from app.dev.sandbox.models import (
    CallRecord,
    Channel,
    Delivery,
    Draft,
    Follower,
    MassJob,
    Material,
    OAuthCode,
    Publication,
    ServiceWindow,
    SnsToken,
    Tag,
    Template,
    TemplateKind,
    TemplateSend,
    TokenKind,
    TokenRecord,
    WindowKind,
)

OPENID_ALPHABET = string.ascii_letters + string.digits + "-_"
CALL_LOG_SIZE = 50_000  # recent calls kept in full; the counters cover everything
SEED_TEMPLATES = (
    Template(
        "sandbox_tpl_reminder",
        "活动提醒",
        ["thing1", "time2", "thing3"],
        "template",
        {"thing1": "活动名称", "time2": "活动时间", "thing3": "温馨提示"},
    ),
    Template(
        "sandbox_tpl_notice",
        "通知公告",
        ["thing1", "thing2", "time3"],
        "template",
        {"thing1": "通知事项", "thing2": "通知内容", "time3": "时间"},
    ),
    Template(
        "sandbox_sub_reminder",
        "学习提醒",
        ["thing1", "time2", "thing3"],
        "subscribe",
        {"thing1": "学习事项", "time2": "时间", "thing3": "温馨提示"},
    ),
)
STAR_TAG = Tag(2, "星标组")  # WeChat's reserved tag, present on every account


def new_openid() -> str:
    """Return a fresh openid shaped like WeChat's: "o" and 27 URL-safe characters."""
    return "o" + "".join(secrets.choice(OPENID_ALPHABET) for _ in range(27))


class SandboxState:
    """Everything the sandbox remembers; tests read and change it directly."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        """Start empty apart from the seeded templates and the reserved tag."""
        self.config = config
        self.faults = Faults()
        self.clock_offset = 0.0
        self._hang_release = asyncio.Event()
        # Ids start from wall time so a restarted sandbox never repeats a MsgId a dev database
        # already holds (the backend de-duplicates on it); reset() leaves them running.
        base = int(time.time())
        self._msgid = base << 31
        self._job_id = base * 1000
        self._delivery_id = base * 1000  # a page polling with an old since_id still sees new ones
        self._init_data()

    def _init_data(self) -> None:
        """(Re)create the remembered data."""
        self.followers: dict[str, Follower] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.current_tokens: dict[TokenKind, str] = {}
        self.token_fetches: Counter[str] = Counter()
        self.tokens_issued = 0
        self.force_refreshes: list[float] = []
        self.templates: dict[str, Template] = {
            t.template_id: Template(t.template_id, t.title, list(t.keys), t.kind, dict(t.labels))
            for t in SEED_TEMPLATES
        }
        self.subscription_grants: Counter[tuple[str, str]] = Counter()
        self.tags: dict[int, Tag] = {STAR_TAG.id: Tag(STAR_TAG.id, STAR_TAG.name)}
        self.next_tag_id = rules.FIRST_TAG_ID
        self.menu: dict[str, Any] | None = None
        self.materials: dict[str, Material] = {}
        # The bytes behind each image URL handed out (key in the URL → content): the simulator
        # shows them, since the mmbiz-style URLs lead nowhere outside WeChat.
        self.images: dict[str, bytes] = {}
        # Temporary media members sent (media_id → bytes, content type), for media/get.
        self.inbound_media: dict[str, tuple[bytes, str]] = {}
        self.drafts: dict[str, Draft] = {}
        self.publications: dict[int, Publication] = {}
        self.mass_jobs: dict[int, MassJob] = {}
        self.template_sends: dict[int, TemplateSend] = {}
        self.deliveries: list[Delivery] = []
        self.calls: deque[CallRecord] = deque(maxlen=CALL_LOG_SIZE)
        self.call_counts: Counter[tuple[str, str]] = Counter()
        self.clientmsgids: dict[str, float] = {}
        self.mass_requests: deque[float] = deque()
        self.mass_sends_by_day: Counter[str] = Counter()
        self.quota_used: Counter[tuple[str, str]] = Counter()
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.sns_tokens: dict[str, SnsToken] = {}
        self.tickets: dict[str, tuple[str, float]] = {}  # type → (ticket, issued_at)

    # --- clock, reset, faults -------------------------------------------------------------
    def now(self) -> float:
        """Return the sandbox's current time: the configured clock plus the control offset."""
        clock = self.config.clock if self.config is not None else time.time
        return clock() + self.clock_offset

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward (the /_sandbox/clock control); return the new time."""
        self.clock_offset += seconds
        return self.now()

    def reset(self) -> None:
        """Forget everything (followers, tokens, sends, faults) but keep ids increasing."""
        self.release_hangs()
        self.faults = Faults()
        self.clock_offset = 0.0
        self._init_data()

    def release_hangs(self) -> None:
        """Wake every call that is hanging on purpose, so a test can shut down promptly."""
        self._hang_release.set()
        self._hang_release = asyncio.Event()

    async def hang(self, seconds: float) -> None:
        """Sleep like a stuck upstream, until `seconds` pass or release_hangs() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hang_release.wait(), seconds)

    # --- ids --------------------------------------------------------------------------------
    def next_msgid(self) -> int:
        """Return a new unique, increasing 64-bit MsgId."""
        self._msgid += 1
        return self._msgid

    def next_job_id(self) -> int:
        """Return a new id for mass jobs, msg_data_ids and publish jobs."""
        self._job_id += 1
        return self._job_id

    # --- followers --------------------------------------------------------------------------
    def add_follower(
        self,
        openid: str | None = None,
        *,
        nickname: str = "",
        subscribed: bool = True,
        scene: str = "ADD_SCENE_OTHERS",
        qr_scene_str: str = "",
    ) -> Follower:
        """Add (or replace) a follower without emitting any event."""
        follower = Follower(
            openid=openid or new_openid(),
            nickname=nickname,
            subscribed=subscribed,
            subscribe_time=int(self.now()) if subscribed else 0,
            subscribe_scene=scene,
            qr_scene_str=qr_scene_str,
        )
        self.followers[follower.openid] = follower
        return follower

    def follower(self, openid: str) -> Follower | None:
        """Return the follower with this openid, if known."""
        return self.followers.get(openid)

    def subscribe(self, openid: str, *, nickname: str = "", qr_scene_str: str = "") -> Follower:
        """Make a (possibly new) user follow the account, as a subscribe event does."""
        follower = self.followers.get(openid)
        if follower is None:
            follower = self.add_follower(openid, nickname=nickname)
        follower.subscribed = True
        follower.subscribe_time = int(self.now())
        follower.unsubscribe_time = None
        follower.subscribe_scene = "ADD_SCENE_QR_CODE" if qr_scene_str else "ADD_SCENE_SEARCH"
        follower.qr_scene_str = qr_scene_str
        if nickname:
            follower.nickname = nickname
        return follower

    def unsubscribe(self, openid: str) -> Follower:
        """Make a follower leave; the customer-service window closes with it."""
        follower = self.followers[openid]
        follower.subscribed = False
        follower.unsubscribe_time = int(self.now())
        follower.window = None
        return follower

    def open_window(self, openid: str, kind: WindowKind) -> None:
        """Record a member interaction: it replaces the customer-service window."""
        self.followers[openid].window = ServiceWindow(kind=kind, opened_at=self.now())

    def window_errcode(self, follower: Follower) -> int:
        """Return 0 if a customer-service message may go out now, else 45015 or 45047."""
        window = follower.window
        if window is None:
            return rules.RESPONSE_OUT_OF_TIME
        if window.kind == "message":
            span, limit = rules.CS_MESSAGE_WINDOW_SECONDS, rules.CS_MESSAGE_LIMIT
        else:
            span, limit = rules.CS_EVENT_WINDOW_SECONDS, rules.CS_EVENT_LIMIT
        if self.now() - window.opened_at > span:
            return rules.RESPONSE_OUT_OF_TIME
        if window.used >= limit:
            return rules.OUT_OF_RESPONSE_COUNT
        return rules.OK

    # --- templates and subscriptions --------------------------------------------------------
    def add_template(
        self,
        title: str,
        keys: list[str],
        *,
        kind: TemplateKind = "template",
        template_id: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> Template:
        """Register a template the account may use (`labels`: each key's field name)."""
        template = Template(
            template_id or secrets.token_urlsafe(32), title, list(keys), kind, dict(labels or {})
        )
        self.templates[template.template_id] = template
        return template

    def grant_subscription(self, openid: str, template_id: str, count: int = 1) -> int:
        """Record that a member accepted `count` one-time notifications; return the balance."""
        self.subscription_grants[(openid, template_id)] += count
        return self.subscription_grants[(openid, template_id)]

    # --- records ----------------------------------------------------------------------------
    def record_delivery(
        self,
        openid: str,
        channel: Channel,
        msgtype: str,
        payload: dict[str, Any],
        msgid: int | None = None,
    ) -> Delivery:
        """Record a message that reached a member's phone."""
        self._delivery_id += 1
        delivery = Delivery(
            id=self._delivery_id,
            openid=openid,
            channel=channel,
            msgtype=msgtype,
            payload=payload,
            msgid=msgid if msgid is not None else self.next_msgid(),
            at=self.now(),
        )
        self.deliveries.append(delivery)
        return delivery

    def deliveries_for(self, openid: str | None = None, since_id: int = 0) -> list[Delivery]:
        """Return deliveries newer than `since_id`, optionally for one member."""
        # Ids only grow, so a chat page polling a long history skips straight to the new part.
        start = bisect.bisect_right(self.deliveries, since_id, key=lambda d: d.id)
        return [d for d in self.deliveries[start:] if openid is None or d.openid == openid]

    def record_call(self, path: str, errcode: int | None, fault: str | None = None) -> None:
        """Log one API call and count it by path and outcome."""
        self.calls.append(CallRecord(path=path, errcode=errcode, at=self.now(), fault=fault))
        outcome = str(errcode) if errcode is not None else f"fault:{fault}"
        self.call_counts[(path, outcome)] += 1

    def call_count(self, path: str, errcode: int | None = None) -> int:
        """Count calls to a path, all of them or those answering one errcode."""
        return sum(
            n
            for (p, outcome), n in self.call_counts.items()
            if p == path and (errcode is None or outcome == str(errcode))
        )

    @property
    def token_fetch_count(self) -> int:
        """Successful token fetches of every kind (/cgi-bin/token and stable_token)."""
        return sum(self.token_fetches.values())

    def stats(self) -> dict[str, Any]:
        """Summarise calls by path and outcome, token fetches and deliveries."""
        calls: dict[str, dict[str, int]] = {}
        for (path, outcome), n in sorted(self.call_counts.items()):
            calls.setdefault(path, {})[outcome] = n
        by_channel = Counter(d.channel for d in self.deliveries)
        return {
            "calls": calls,
            "token_fetches": {
                "token": self.token_fetches["token"],
                "stable_token": self.token_fetches["stable_token"],
                "stable_token_force": self.token_fetches["stable_token_force"],
                "total": self.token_fetch_count,
            },
            "tokens_issued": self.tokens_issued,
            "deliveries": {"total": len(self.deliveries), **by_channel},
            "followers": sum(1 for f in self.followers.values() if f.subscribed),
            "now": self.now(),
        }
