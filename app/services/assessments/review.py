"""The secretary's review of a period: adjust an item with a reason, sign off, tell each member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import execute
from app.models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentSheet,
    PeriodKind,
    PeriodStatus,
    Person,
)
from app.services import audit
from app.services.assessments import periods, schemes
from app.services.assessments.filling import score_of
from app.services.assessments.schemes import Item
from app.services.broadcasts import notices
from app.services.member_links import MemberLinks

PAGE = "assessments"  # the member page's name in its signed links
SUBJECT = "assessment_sheet"


class ReviewRefused(ValueError):
    """A review action that cannot be taken, with the Chinese reason."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    """A sheet on the secretary's list: the person's name with it."""

    sheet: AssessmentSheet
    name: str


def title_of(period: AssessmentPeriod) -> str:
    """ "2026年11月考核" and the like."""
    return f"{periods.name_of(PeriodKind(period.kind), period.starts_on)}考核"


async def list_periods(session: AsyncSession, *, limit: int = 60) -> list[AssessmentPeriod]:
    """The filled periods, newest first."""
    statement = select(AssessmentPeriod).order_by(
        col(AssessmentPeriod.starts_on).desc(), col(AssessmentPeriod.kind)
    )
    return list((await session.exec(statement.limit(limit))).all())


async def sheets_of(
    session: AsyncSession, *, period_id: int, unit_ids: frozenset[int] | None
) -> list[SheetRow]:
    """The period's sheets, of the given units only unless `unit_ids` is None (everything)."""
    statement = (
        select(AssessmentSheet, Person.name)
        .join(Person, col(Person.id) == col(AssessmentSheet.person_id))
        .where(AssessmentSheet.period_id == period_id)
        .order_by(col(Person.employee_no))
    )
    if unit_ids is not None:
        statement = statement.where(col(AssessmentSheet.org_unit_id).in_(unit_ids))
    return [SheetRow(sheet, name) for sheet, name in (await session.exec(statement)).all()]


async def entries_of(session: AsyncSession, *, sheet_id: int) -> list[AssessmentEntry]:
    """A sheet's entries, in the order they were filled."""
    statement = select(AssessmentEntry).where(AssessmentEntry.sheet_id == sheet_id)
    return list((await session.exec(statement.order_by(col(AssessmentEntry.id)))).all())


def final(entry: AssessmentEntry) -> float | None:
    """The value that counts: the adjustment if any, else what the records gave."""
    return entry.adjusted_value if entry.adjusted_value is not None else entry.value


async def _rescore(session: AsyncSession, sheet: AssessmentSheet, scheme_items: list[Item]) -> None:
    """Recompute the sheet's score and level from its entries' levels."""
    levels = {
        entry.code: entry.level for entry in await entries_of(session, sheet_id=sheet.id or 0)
    }
    sheet.score = score_of(scheme_items, levels)
    sheet.level = schemes.sheet_level(sheet.score)
    session.add(sheet)


async def adjust(
    session: AsyncSession,
    *,
    entry: AssessmentEntry,
    value: float,
    reason: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Set an item's value by hand (the computed one kept); only before the period is signed."""
    reason = reason.strip()
    if not reason:
        raise ReviewRefused("调整考核结果必须填写理由。")
    sheet = await session.get(AssessmentSheet, entry.sheet_id)
    assert sheet is not None
    period = await session.get(AssessmentPeriod, sheet.period_id)
    assert period is not None
    if period.status != PeriodStatus.FILLED.value:
        raise ReviewRefused("本期考核已签发，不能再调整。")
    scheme = await session.get(AssessmentScheme, period.scheme_id)
    assert scheme is not None
    items = schemes.items_of(scheme)
    item = next((one for one in items if one.code == entry.code), None)
    assert item is not None
    before = final(entry)
    entry.adjusted_value = value
    entry.adjust_reason = reason
    entry.adjusted_by = actor.name
    entry.adjusted_at = now
    entry.level = schemes.level_of(item, value)
    session.add(entry)
    await session.flush()
    await _rescore(session, sheet, items)
    await audit.record(
        session,
        actor=actor,
        action="assessments.adjust",
        target_type="assessment_entry",
        target_id=entry.id,
        summary=f"「{item.title}」由 {'无记录' if before is None else before} 调整为 {value}："
        f"{reason}",
    )


async def sign_off(
    session: AsyncSession,
    *,
    period: AssessmentPeriod,
    actor: audit.Actor,
    settings: Settings,
    now: datetime,
) -> bool:
    """Sign the period off once (two at once: one wins); then tell each member, once each."""
    result = await execute(
        session,
        update(AssessmentPeriod)
        .where(
            col(AssessmentPeriod.id) == period.id,
            col(AssessmentPeriod.status) == PeriodStatus.FILLED.value,
        )
        .values(status=PeriodStatus.SIGNED.value, signed_by=actor.name, signed_at=now),
    )
    if result.rowcount != 1:
        return False
    await session.refresh(period)
    await audit.record(
        session,
        actor=actor,
        action="assessments.sign_off",
        target_type="assessment_period",
        target_id=period.id,
        summary=title_of(period),
    )
    links = MemberLinks(settings.secret_key.get_secret_value())
    base = settings.public_base_url.rstrip("/")
    title = title_of(period)
    for row in await sheets_of(session, period_id=period.id or 0, unit_ids=None):
        sheet = row.sheet
        assert sheet.id is not None
        path = links.path(page=PAGE, subject_id=sheet.id, person_id=sheet.person_id, now=now)
        message = notices.message(
            "考核结果",
            f"【三亮三挂三考核】您的{title}结果已签发，点击查看。"
            "如有意见，可在 7 天内填写自述或申请复核。",
            thing=title,
            when=now,
            url=base + path,
        )
        await notices.notify(
            session,
            key=f"assessments.signed:{sheet.id}",
            kind="assessment_signed",
            subject=(SUBJECT, sheet.id),
            message=message,
            people=[sheet.person_id],
            settings=settings,
            now=now,
            created_by=actor.name,
        )
    return True


@dataclass(frozen=True, slots=True)
class Line:
    """One item of a sheet as pages show it: the scheme's wording, the entry, the final value."""

    item: Item
    entry: AssessmentEntry
    final: float | None


async def lines_of(
    session: AsyncSession, *, sheet: AssessmentSheet, period: AssessmentPeriod
) -> list[Line]:
    """Each item of the sheet with its scheme's wording, value, evidence and adjustment."""
    scheme = await session.get(AssessmentScheme, period.scheme_id)
    assert scheme is not None
    entries = {e.code: e for e in await entries_of(session, sheet_id=sheet.id or 0)}
    return [
        Line(item, entries[item.code], final(entries[item.code]))
        for item in schemes.items_of(scheme)
        if item.code in entries
    ]
