"""What the demo's seeders share: who wrote the rows, and when the demo's campaigns close."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.models.types import CHINA
from app.services import audit

DEMO_ACTOR = audit.Actor(id=None, name="seed-demo")


def demo_deadline(now: datetime) -> datetime:
    """Two weeks on at 18:00 China time: time to try the pledge and the test after `make run`."""
    return datetime.combine((now.astimezone(CHINA) + timedelta(days=14)).date(), time(18), CHINA)
