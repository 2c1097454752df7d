"""Quiet hours (免打扰时段): no push reaches a phone between, by default, 22:00 and 07:30."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from app.models.types import CHINA

OFF = frozenset({"", "off", "none", "0"})


@dataclass(frozen=True)
class QuietHours:
    """A nightly window in China time; `start` after `end` means it spans midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Read "22:00-07:30"; "off" means no quiet hours. Raises ValueError when malformed."""
        if text.strip().lower() in OFF:
            return None
        try:
            first, second = (part.strip() for part in text.replace("–", "-").split("-"))
            start, end = time.fromisoformat(first), time.fromisoformat(second)
        except ValueError:
            raise ValueError(
                f"quiet hours must look like 22:00-07:30 or off, not {text!r}"
            ) from None
        if start == end:
            raise ValueError("quiet hours must not start and end at the same time")
        return cls(start, end)

    @property
    def label(self) -> str:
        """ "22:00–07:30", as the console says it."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def until(self, now: datetime) -> datetime | None:
        """When the quiet window `now` falls in ends, or None when `now` is not quiet."""
        local = now.astimezone(CHINA)
        moment = local.timetz().replace(tzinfo=None)
        end_today = datetime.combine(local.date(), self.end, CHINA)
        if self.start < self.end:  # a window inside one day, e.g. 12:00–13:30
            return end_today if self.start <= moment < self.end else None
        if moment >= self.start:  # late evening: ends tomorrow morning
            return end_today + timedelta(days=1)
        if moment < self.end:  # early morning: ends today
            return end_today
        return None
