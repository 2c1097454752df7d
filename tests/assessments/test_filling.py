"""A period's run: rules over records, 无记录 not zero, each period once, its scheme kept."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentSheet,
    OrgUnit,
    PeriodKind,
    Person,
)
from app.services import audit
from app.services.assessments import filling, schemes
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
