"""Earlier suggestions like this one (character bigrams), so a duplicate is merged, not reviewed
twice. The comparison runs in a worker thread over a bounded set of recent candidates."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Suggestion, SuggestionStatus

CANDIDATES = 500  # the most recent earlier suggestions: duplicates come close together
THRESHOLD = 0.3
SHOWN = 5
_NOISE = re.compile(r"[\s，。、；：！？,.;:!?（）()“”\"'《》\-]+")


@dataclass(frozen=True)
class Similar:
    """An earlier suggestion and how alike the two are (0–1)."""

    suggestion_id: int
    number: str
    excerpt: str
    status: str
    score: float


def bigrams(text: str) -> frozenset[str]:
    """The text's character pairs, punctuation and spaces left out."""
    plain = _NOISE.sub("", text.lower())
    return frozenset(plain[i : i + 2] for i in range(len(plain) - 1)) or frozenset({plain})


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """The Sørensen–Dice coefficient of two bigram sets."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def rank(text: str, candidates: list[tuple[int, str, str, str]]) -> list[Similar]:
    """The candidates (id, number, content, status) most like `text`, best first (CPU work)."""
    mine = bigrams(text)
    scored = [
        Similar(sid, number, content[:60], status, round(dice(mine, bigrams(content)), 2))
        for sid, number, content, status in candidates
    ]
    alike = [s for s in scored if s.score >= THRESHOLD]
    return sorted(alike, key=lambda s: (-s.score, s.suggestion_id))[:SHOWN]


async def earlier_like(session: AsyncSession, *, suggestion: Suggestion) -> list[Similar]:
    """Earlier suggestions (not themselves merged) like this one, best first."""
    statement = (
        select(Suggestion.id, Suggestion.number, Suggestion.content, Suggestion.status)
        .where(
            col(Suggestion.id) < (suggestion.id or 0),
            col(Suggestion.status) != SuggestionStatus.MERGED.value,
        )
        .order_by(col(Suggestion.id).desc())
        .limit(CANDIDATES)
    )
    candidates = [
        (int(sid), number or "", content, status)
        for sid, number, content, status in (await session.exec(statement)).all()
        if sid is not None
    ]
    return await asyncio.to_thread(rank, suggestion.content, candidates)
