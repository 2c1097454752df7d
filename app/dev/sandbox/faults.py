"""Fault and latency knobs: how the sandbox misbehaves on purpose for fault tests and benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from app.dev.sandbox import rules

FaultKind = Literal["hang", "hang_after", "http_status", "html", "invalid_json", "errcode"]


@dataclass
class QueuedErrcode:
    """The next call to `path` (any WeChat endpoint when None) answers this errcode."""

    errcode: int
    path: str | None = None
    errmsg: str | None = None


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one call."""

    kind: FaultKind
    errcode: int = rules.SYSTEM_ERROR
    errmsg: str = ""
    status: int = 200


@dataclass
class Faults:
    """Settable misbehaviour; every `*_next` counter is consumed one call at a time."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0  # share of calls answering errcode -1 "system error"
    timeout_rate: float = 0.0  # share of calls that hang for hang_seconds
    seed: int | None = None  # seeds the RNG behind the two rates, for repeatable runs
    # When set, latency and the non-queued faults touch only these paths (e.g. spare the token).
    paths: list[str] | None = None
    errcode_queue: list[QueuedErrcode] = field(default_factory=list)
    hang_next: int = 0  # hang without doing anything: the client times out, nothing happened
    hang_after_next: int = 0  # do the work, then hang: the client times out, the send happened
    hang_seconds: float = 30.0  # far beyond any sane client timeout
    html_next: int = 0
    html_status: int = 200  # WeChat's gateway has served HTML error pages with 200 and 502
    invalid_json_next: int = 0
    http_status_next: list[int] = field(default_factory=list)
    # Per-path daily quota overrides (see rules.DEFAULT_DAILY_QUOTAS); over it → 45009.
    daily_quotas: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Seed the RNG so a seeded fault run is repeatable."""
        self._rng = random.Random(self.seed)  # noqa: S311 - fault injection, not security

    def reseed(self, seed: int | None) -> None:
        """Restart the random faults from a seed."""
        self.seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security

    def applies_to(self, path: str) -> bool:
        """Tell whether latency and the general faults touch this path."""
        return self.paths is None or path in self.paths

    def latency_seconds(self, path: str) -> float:
        """Return the delay to add to a call on this path."""
        if not self.applies_to(path) or (self.latency_ms <= 0 and self.latency_jitter_ms <= 0):
            return 0.0
        jitter = self._rng.uniform(0, self.latency_jitter_ms) if self.latency_jitter_ms else 0.0
        return max(0.0, self.latency_ms + jitter) / 1000

    def take(self, path: str) -> Fault | None:
        """Choose (and consume) the fault for one call on `path`, or None to behave."""
        queued = self._take_queued(path)
        if queued is not None:
            return queued
        if not self.applies_to(path):
            return None
        if self.hang_next > 0:
            self.hang_next -= 1
            return Fault("hang")
        if self.http_status_next:
            return Fault("http_status", status=self.http_status_next.pop(0))
        if self.html_next > 0:
            self.html_next -= 1
            return Fault("html", status=self.html_status)
        if self.invalid_json_next > 0:
            self.invalid_json_next -= 1
            return Fault("invalid_json")
        if self.hang_after_next > 0:
            self.hang_after_next -= 1
            return Fault("hang_after")
        if self.timeout_rate > 0 and self._rng.random() < self.timeout_rate:
            return Fault("hang")
        if self.error_rate > 0 and self._rng.random() < self.error_rate:
            return Fault("errcode", rules.SYSTEM_ERROR, rules.errmsg(rules.SYSTEM_ERROR))
        return None

    def _take_queued(self, path: str) -> Fault | None:
        """Pop the first queued errcode meant for this path."""
        for index, entry in enumerate(self.errcode_queue):
            if entry.path == path or (entry.path is None and self.applies_to(path)):
                del self.errcode_queue[index]
                text = entry.errmsg or rules.errmsg(entry.errcode)
                return Fault("errcode", entry.errcode, text)
        return None

    def daily_quota(self, path: str) -> int | None:
        """Return the daily call quota of a path, if it has one."""
        return self.daily_quotas.get(path, rules.DEFAULT_DAILY_QUOTAS.get(path))
