"""Times read from settings, below both config and services: quiet hours and reminder offsets.

Quiet hours (免打扰时段): no push reaches a phone between, by default, 22:00 and 07:30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# The branch keeps China time: study days, quiet hours and deadlines are China times.
CHINA = ZoneInfo("Asia/Shanghai")

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


_OFFSET = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


@dataclass(frozen=True, order=True)
class Offset:
    """How long before the start a reminder goes: its length and its label ("1d")."""

    lead: timedelta
    label: str = field(compare=False)

    @property
    def span(self) -> str:
        """ "1 天", "1 小时", "30 分钟": the lead as the console says it ("提前 1 天")."""
        minutes = int(self.lead.total_seconds() // 60)
        if minutes % 1440 == 0:
            return f"{minutes // 1440} 天"
        if minutes % 60 == 0:
            return f"{minutes // 60} 小时"
        return f"{minutes} 分钟"

    @property
    def chinese(self) -> str:
        """ "明天" for a day, "1 小时后" for an hour, as the reminder says it."""
        minutes = int(self.lead.total_seconds() // 60)
        if minutes % 1440 == 0:
            days = minutes // 1440
            return "明天" if days == 1 else f"{days} 天后"
        if minutes % 60 == 0:
            return f"{minutes // 60} 小时后"
        return f"{minutes} 分钟后"


def parse_offsets(text: str) -> list[Offset]:
    """Read "1d,1h" into offsets, longest first. Raises ValueError when malformed."""
    offsets = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _OFFSET.match(part)
        if match is None or int(match.group(1)) == 0:
            raise ValueError(
                f"meeting reminders look like 1d,1h (whole minutes, hours or days), not {text!r}"
            )
        number, unit = int(match.group(1)), match.group(2)
        offsets.append(Offset(number * _UNIT[unit], f"{number}{unit}"))
    return sorted(set(offsets), reverse=True)
