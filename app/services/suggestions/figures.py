"""The figures for a period: received, adopted, implemented, 金点子, ¥ verified and estimated.

Each figure is one COUNT/SUM over a range of its own date's index: never rows loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Suggestion
from app.services.suggestions.queue import Visibility, period


@dataclass(frozen=True)
class Figures:
    """What the branch reports for a period."""

    start: date
    end: date
    received: int
    adopted: int
    implemented: int
    golden: int
    verified_count: int
    verified_benefit: Decimal
    estimated_benefit: Decimal


async def _count_sum(
    session: AsyncSession, basis: str, seen: Visibility, start: date, end: date, money: str = ""
) -> tuple[int, Decimal]:
    column = getattr(Suggestion, f"{basis}_at")
    amount = func.coalesce(func.sum(getattr(Suggestion, money)), 0) if money else func.count()
    statement = select(func.count(), amount).where(*period(column, start, end), seen.clause())
    count, total = (await session.exec(statement)).one()
    return int(count), Decimal(str(total or 0)).quantize(Decimal("0.01"))


async def compute(session: AsyncSession, *, start: date, end: date, seen: Visibility) -> Figures:
    """The figures for the China dates [start, end], within what the user sees."""
    received, _ = await _count_sum(session, "submitted", seen, start, end)
    adopted, estimated = await _count_sum(session, "adopted", seen, start, end, "estimated_benefit")
    implemented, _ = await _count_sum(session, "implemented", seen, start, end)
    golden, _ = await _count_sum(session, "awarded", seen, start, end)
    verified, benefit = await _count_sum(session, "verified", seen, start, end, "verified_benefit")
    return Figures(start, end, received, adopted, implemented, golden, verified, benefit, estimated)


def rows(figures: Figures) -> list[tuple[str, object]]:
    """The figures as (name, value) for the sheet and the page."""
    return [
        ("提出合理化建议（条）", figures.received),
        ("采纳（条）", figures.adopted),
        ("实施（条）", figures.implemented),
        ("金点子（条）", figures.golden),
        ("效益核定（条）", figures.verified_count),
        ("核定经济效益（元）", figures.verified_benefit),
        ("预计经济效益（元，采纳时估算）", figures.estimated_benefit),
    ]


def sheet_rows(figures: Figures) -> list[tuple[object, ...]]:
    """The figures sheet: the period, then one line per figure."""
    span = f"{figures.start:%Y-%m-%d} 至 {figures.end:%Y-%m-%d}"
    return [("统计期间", span), *[(name, value) for name, value in rows(figures)]]
