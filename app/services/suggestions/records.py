"""A 合理化建议 handed in: stored with its number, its co-submitters, its first timeline entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Person,
    Suggestion,
    SuggestionCategory,
    SuggestionCoauthor,
    SuggestionEvent,
    SuggestionStatus,
)
from app.models.types import CHINA, label_of
from app.services import audit
from app.services.member_links import LINK_TTL, MemberLinks

MAX_TEXT = 2000  # characters: a page of A4, more than anyone types on a phone
PAGE = "suggestions"  # member links: /m/suggestions/new and /m/suggestions/mine
OWNER_KIND = "suggestion"  # attachments of a suggestion
MEMBER = audit.Actor(id=None, name="member")


class SuggestionRefused(ValueError):
    """Why a suggestion or a decision on it was refused, in Chinese for the person who tried."""


def clean_text(text: str | None) -> str:
    """The suggestion's text, or SuggestionRefused when empty or too long (the limit said)."""
    content = (text or "").strip()
    if not content:
        raise SuggestionRefused("建议内容不能为空，请写下您的建议。")
    if len(content) > MAX_TEXT:
        raise SuggestionRefused(
            f"建议内容不能超过 {MAX_TEXT} 字（现在 {len(content)} 字），请精简后重新发送。"
        )
    return content


def number_of(suggestion_id: int, when: datetime) -> str:
    """The suggestion's number: the China year and its id ("2026-0051")."""
    return f"{when.astimezone(CHINA).year}-{suggestion_id:04d}"


def category_label(value: str) -> str:
    """The Chinese name of a stored category."""
    return label_of(SuggestionCategory, value)


def status_label(value: str) -> str:
    """The Chinese name of a stored status."""
    return label_of(SuggestionStatus, value)


def title_of(suggestion: Suggestion, width: int = 24) -> str:
    """The first words of the text, as lists show a suggestion."""
    first = suggestion.content.strip().splitlines()[0] if suggestion.content.strip() else ""
    return first if len(first) <= width else first[:width] + "…"


async def add_event(
    session: AsyncSession,
    *,
    suggestion: Suggestion,
    kind: str,
    by: audit.Actor,
    now: datetime,
    from_status: str | None = None,
    note: str | None = None,
    amount: object = None,
) -> SuggestionEvent:
    """One dated entry on the suggestion's timeline: what was decided and by whom."""
    assert suggestion.id is not None
    event = SuggestionEvent(
        suggestion_id=suggestion.id,
        kind=kind,
        from_status=from_status,
        to_status=suggestion.status,
        note=note,
        amount=amount,  # type: ignore[arg-type]
        actor_id=by.id,
        actor_name=by.name[:64],
        at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def submit(
    session: AsyncSession,
    *,
    person: Person,
    content: str,
    now: datetime,
    via: str = "chat",
    category: str = SuggestionCategory.OTHER.value,
    concerns_unit_id: int | None = None,
    coauthor_ids: Sequence[int] = (),
) -> Suggestion:
    """Store a member's suggestion (text checked) with its number and a 收到 entry."""
    assert person.id is not None
    text = clean_text(content)
    if category not in {c.value for c in SuggestionCategory}:
        category = SuggestionCategory.OTHER.value
    suggestion = Suggestion(
        person_id=person.id,
        content=text,
        category=category,
        concerns_unit_id=concerns_unit_id,
        via=via,
        submitted_at=now,
    )
    session.add(suggestion)
    await session.flush()
    assert suggestion.id is not None
    suggestion.number = number_of(suggestion.id, now)
    others = sorted({i for i in coauthor_ids if i != person.id})
    if others:
        known = await session.exec(select(Person.id).where(col(Person.id).in_(others)))
        for coauthor_id in known.all():
            assert coauthor_id is not None
            session.add(SuggestionCoauthor(suggestion_id=suggestion.id, person_id=coauthor_id))
    session.add(suggestion)
    await add_event(
        session, suggestion=suggestion, kind="received", by=audit.Actor(None, person.name), now=now
    )
    return suggestion


async def get(session: AsyncSession, *, suggestion_id: int) -> Suggestion | None:
    """The suggestion with this id."""
    return await session.get(Suggestion, suggestion_id)


async def timeline(session: AsyncSession, *, suggestion_id: int) -> list[SuggestionEvent]:
    """The suggestion's decisions, oldest first."""
    statement = (
        select(SuggestionEvent)
        .where(SuggestionEvent.suggestion_id == suggestion_id)
        .order_by(col(SuggestionEvent.at), col(SuggestionEvent.id))
    )
    return list((await session.exec(statement)).all())


async def coauthors(session: AsyncSession, *, suggestion_id: int) -> list[Person]:
    """The people who made the suggestion with its submitter."""
    statement = (
        select(Person)
        .join(SuggestionCoauthor, col(SuggestionCoauthor.person_id) == col(Person.id))
        .where(SuggestionCoauthor.suggestion_id == suggestion_id)
        .order_by(col(Person.employee_no))
    )
    return list((await session.exec(statement)).all())


async def of_person(session: AsyncSession, *, person_id: int) -> list[Suggestion]:
    """The person's own suggestions (as submitter or co-submitter), newest first."""
    joined = select(SuggestionCoauthor.suggestion_id).where(
        SuggestionCoauthor.person_id == person_id
    )
    statement = (
        select(Suggestion)
        .where(or_(col(Suggestion.person_id) == person_id, col(Suggestion.id).in_(joined)))
        .order_by(col(Suggestion.submitted_at).desc(), col(Suggestion.id).desc())
    )
    return list((await session.exec(statement)).all())


@dataclass(frozen=True)
class MemberLink:
    """The member's signed links: submit with photos, and their own suggestions."""

    new: str
    mine: str


def member_links(*, secret: str, person_id: int, now: datetime) -> MemberLink:
    """Signed /m/suggestions/new and /m/suggestions/mine links for the person (expire)."""
    token = MemberLinks(secret).token(
        page=PAGE, subject_id=0, person_id=person_id, expires=now + LINK_TTL
    )
    return MemberLink(new=f"/m/suggestions/new?t={token}", mine=f"/m/suggestions/mine?t={token}")
