"""Which suggestions a console user sees, and the queue's filters (also the figures' lists)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AdminRole, Person, Suggestion, SuggestionReviewer
from app.models.types import CHINA
from app.services.accounts.admins import Principal
from app.services.people import org_units

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
# The date a period is about: when received, adopted, implemented, verified, awarded.
BASES = {
    "submitted": "提出",
    "adopted": "采纳",
    "implemented": "实施",
    "verified": "效益核定",
    "awarded": "评为金点子",
}


@dataclass(frozen=True)
class Visibility:
    """What a console user sees: their units' people's suggestions (None: all) and those they
    were asked to review; a viewer sees only the latter."""

    unit_ids: frozenset[int] | None
    user_id: int | None
    assigned_only: bool = False

    def clause(self) -> ColumnElement[bool]:
        """The WHERE condition on Suggestion."""
        assigned = col(Suggestion.id).in_(
            select(SuggestionReviewer.suggestion_id).where(
                SuggestionReviewer.admin_user_id == (self.user_id or 0)
            )
        )
        if self.assigned_only:
            return assigned
        if self.unit_ids is None:
            return true()
        units = col(Suggestion.person_id).in_(
            select(Person.id).where(col(Person.org_unit_id).in_(self.unit_ids))
        )
        return or_(units, assigned)


def visibility(me: Principal) -> Visibility:
    """The console user's view: a viewer (read-only account) reviews only what is assigned."""
    if me.role is AdminRole.VIEWER:
        return Visibility(frozenset(), me.id, assigned_only=True)
    return Visibility(me.unit_ids, me.id)


def decides(me: Principal, person: Person | None) -> bool:
    """Whether the user may decide on a suggestion of this person (writers, in their units)."""
    return me.can_write and person is not None and me.sees_unit(person.org_unit_id)


@dataclass(frozen=True)
class Filters:
    """The queue's filters; every one optional."""

    status: str | None = None
    category: str | None = None
    campaign_id: int | None = None
    unit_id: int | None = None  # the submitter's unit (and those below it)
    concerns_unit_id: int | None = None
    reviewer_id: int | None = None
    start: date | None = None
    end: date | None = None
    basis: str = "submitted"
    text: str | None = None

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (empty ones left out)."""
        out = {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}
        if out.get("basis") == "submitted":
            out.pop("basis")
        return out

    def but(self, **changes: Any) -> Filters:
        """These filters with some changed."""
        return replace(self, **changes)


def bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """China dates [start, end] as UTC moments [from, to)."""
    low = datetime.combine(start, time(), CHINA) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), CHINA) if end else None
    return low, high


def period(column: Any, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """The conditions keeping `column` within the China dates (a range on its index)."""
    low, high = bounds(start, end)
    found: list[ColumnElement[bool]] = [col(column).is_not(None)]
    if low is not None:
        found.append(col(column) >= low)
    if high is not None:
        found.append(col(column) < high)
    return found


def dated(basis: str) -> Any:
    """The column a period basis filters on."""
    return getattr(Suggestion, f"{basis if basis in BASES else 'submitted'}_at")


async def conditions(
    session: AsyncSession, filters: Filters, seen: Visibility
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the filters within what the user sees."""
    found: list[ColumnElement[bool]] = [seen.clause()]
    if filters.status:
        found.append(col(Suggestion.status) == filters.status)
    if filters.category:
        found.append(col(Suggestion.category) == filters.category)
    if filters.campaign_id:
        found.append(col(Suggestion.campaign_id) == filters.campaign_id)
    if filters.concerns_unit_id:
        found.append(col(Suggestion.concerns_unit_id) == filters.concerns_unit_id)
    if filters.unit_id:
        units = await org_units.subtree_ids(session, root_id=filters.unit_id)
        found.append(
            col(Suggestion.person_id).in_(
                select(Person.id).where(col(Person.org_unit_id).in_(units))
            )
        )
    if filters.reviewer_id:
        found.append(
            col(Suggestion.id).in_(
                select(SuggestionReviewer.suggestion_id).where(
                    SuggestionReviewer.admin_user_id == filters.reviewer_id
                )
            )
        )
    if filters.start or filters.end or filters.basis != "submitted":
        found.extend(period(dated(filters.basis), filters.start, filters.end))
    if filters.text:
        words = filters.text.strip()[:100]
        for special in ("\\", "%", "_"):
            words = words.replace(special, "\\" + special)
        pattern = f"%{words}%"
        found.append(
            or_(
                col(Suggestion.content).ilike(pattern, escape="\\"),
                col(Suggestion.number).ilike(pattern, escape="\\"),
            )
        )
    return found


@dataclass(frozen=True)
class Row:
    """A suggestion in a list, with its submitter."""

    suggestion: Suggestion
    person: Person


async def page(
    session: AsyncSession,
    *,
    filters: Filters,
    seen: Visibility,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """One page of the matching suggestions, newest first, and how many match in all."""
    where = await conditions(session, filters, seen)
    total = (await session.exec(select(func.count()).select_from(Suggestion).where(*where))).one()
    statement = (
        select(Suggestion, Person)
        .join(Person, col(Person.id) == col(Suggestion.person_id))
        .where(*where)
        .order_by(col(Suggestion.submitted_at).desc(), col(Suggestion.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [Row(s, p) for s, p in (await session.exec(statement)).all()]
    return rows, int(total)


async def visible(
    session: AsyncSession, *, suggestion_id: int, seen: Visibility
) -> Suggestion | None:
    """The suggestion when the user sees it (None alike for missing and out of sight)."""
    statement = select(Suggestion).where(col(Suggestion.id) == suggestion_id, seen.clause())
    return (await session.exec(statement)).first()
