"""A period's run: rules over records, 无记录 not zero, each period once, its scheme kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentSheet,
    OrgUnit,
    PeriodKind,
    Person,
)
from app.services import audit
from app.services.assessments import filling, mine, review, schemes
from app.services.assessments.review import ReviewRefused
from tests.assessments.support import (
    DECEMBER_FIRST,
    IN_NOVEMBER,
    add_members,
    add_study_day,
    default_scheme,
)


async def _entries(session: AsyncSession, person_id: int) -> dict[str, AssessmentEntry]:
    """The person's November entries by item code."""
    rows = await session.exec(
        select(AssessmentEntry)
        .join(AssessmentSheet, col(AssessmentSheet.id) == col(AssessmentEntry.sheet_id))
        .join(AssessmentPeriod, col(AssessmentPeriod.id) == col(AssessmentSheet.period_id))
        .where(
            AssessmentSheet.person_id == person_id,
            AssessmentPeriod.starts_on == date(2026, 11, 1),
        )
    )
    return {entry.code: entry for entry in rows.all()}


async def test_month_end_fills_each_members_sheet_once_from_the_records(
    db_session: AsyncSession,
) -> None:
    unit = OrgUnit(name="第一党小组", kind="group")
    db_session.add(unit)
    await db_session.flush()
    assert unit.id is not None
    present, absent, uninvited = await add_members(db_session, ["甲", "乙", "丙"], unit_id=unit.id)
    db_session.add(Person(employee_no="MASS", name="群众"))
    await default_scheme(db_session)
    for day in (date(2026, 11, 3), date(2026, 11, 17)):
        await add_study_day(
            db_session, unit_id=unit.id, day=day, present=[present], absent=[absent]
        )
    await add_study_day(
        db_session, unit_id=unit.id, day=date(2026, 10, 6), present=[], absent=[present]
    )

    # Before the month ends nothing is filled; the scheme edited now applies from December.
    early = await filling.run_due(db_session, now=IN_NOVEMBER)
    assert "2026年11月" not in early.filled and "2026年10月" in early.filled
    edited = [*schemes.DEFAULT_ITEMS[:1]]
    newer = await schemes.save(
        db_session,
        kind=PeriodKind.MONTH,
        items=edited,
        today=date(2026, 11, 20),
        actor=audit.SYSTEM,
    )
    assert newer.effective_from == date(2026, 12, 1)

    first = await filling.run_due(db_session, now=DECEMBER_FIRST)
    assert "2026年11月" in (first.describe() or "")
    again = await filling.run_due(db_session, now=DECEMBER_FIRST)
    assert again.describe() is None

    sheets = (await db_session.exec(select(AssessmentSheet))).all()
    november = [s for s in sheets if s.period_id == sheets[0].period_id]
    assert sorted(s.person_id for s in november) == sorted([present, absent, uninvited])

    mine = await _entries(db_session, present)
    assert len(mine) == len(schemes.DEFAULT_ITEMS)  # the running period kept its version
    assert mine["identity_study"].value == 100.0 and mine["identity_study"].level == "好"
    assert next(e["href"] for e in mine["identity_study"].evidence).startswith("/admin/meetings/")
    assert (await _entries(db_session, absent))["identity_study"].value == 0.0
    nothing = (await _entries(db_session, uninvited))["identity_study"]
    assert nothing.value is None and nothing.level is None  # 无记录, not zero
    assert mine["duty_conduct"].value is None  # judged by hand, not yet


async def test_a_quarter_averages_the_months_judgements_and_the_window_closes(
    db_session: AsyncSession,
) -> None:
    [person] = await add_members(db_session, ["丁"], prefix="Q")
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        await schemes.save(
            db_session, kind=kind, items=schemes.DEFAULT_ITEMS, today=date(2026, 7, 1),
            actor=audit.SYSTEM, effective_from=date(2026, 7, 1),
        )  # fmt: skip
    october = datetime(2026, 10, 1, 1, tzinfo=UTC)
    months = [
        await filling.fill(db_session, kind=PeriodKind.MONTH, starts_on=date(2026, m, 1),
                           now=october)
        for m in (7, 8, 9)
    ]  # fmt: skip
    for period, judged in zip(months, (90.0, 80.0, None), strict=True):
        assert period is not None
        if judged is None:
            continue  # not judged that month: left out of the mean, not counted as zero
        [row] = await review.sheets_of(db_session, period_id=period.id or 0, unit_ids=None)
        entry = next(
            e for e in await review.entries_of(db_session, sheet_id=row.sheet.id or 0)
            if e.code == "duty_conduct"
        )  # fmt: skip
        await review.adjust(
            db_session, entry=entry, value=judged, reason="支部评定", actor=audit.SYSTEM,
            now=october,
        )  # fmt: skip
    quarter = await filling.fill(
        db_session, kind=PeriodKind.QUARTER, starts_on=date(2026, 7, 1), now=october
    )
    assert quarter is not None
    [row] = await review.sheets_of(db_session, period_id=quarter.id or 0, unit_ids=None)
    conduct = next(
        e for e in await review.entries_of(db_session, sheet_id=row.sheet.id or 0)
        if e.code == "duty_conduct"
    )  # fmt: skip
    assert conduct.value == 85.0 and conduct.level == "较好"

    # Signed off: the statement is taken within 7 days, refused after.
    assert await review.sign_off(
        db_session, period=quarter, actor=audit.SYSTEM, settings=Settings(), now=october
    )
    await mine.add_statement(
        db_session, sheet=row.sheet, period=quarter, text="本季度完成任务。", now=october
    )
    with pytest.raises(ReviewRefused, match="超过签发后 7 天"):
        await mine.ask_review(
            db_session, sheet=row.sheet, period=quarter, reason="晚了",
            now=october + timedelta(days=8),
        )  # fmt: skip
    assert person == row.sheet.person_id
