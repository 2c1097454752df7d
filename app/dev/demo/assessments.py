"""Demo 三亮三挂三考核 for `make run`: the schemes, a year of monthly sheets (all but the last
month signed off), the last quarter's sheets. No notice is pushed: the demo signs off directly."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import AssessmentPeriod, AssessmentScheme, AssessmentSheet, PeriodKind, PeriodStatus
from app.models.types import CHINA
from app.services import audit
from app.services.assessments import filling, periods, schemes

SECRETARY = audit.Actor(id=None, name="王建国")
MONTHS = 12


async def seed_assessments(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 三亮三挂三考核 unless there is some; return how many rows were created."""
    if (await session.exec(select(func.count(col(AssessmentScheme.id))))).one():
        return 0
    months = periods.ended(PeriodKind.MONTH, now, back=MONTHS)
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        await schemes.save(
            session,
            kind=kind,
            items=schemes.DEFAULT_ITEMS,
            today=months[0],
            actor=SECRETARY,
            effective_from=months[0],
        )
    filled = [
        await filling.fill(session, kind=PeriodKind.MONTH, starts_on=m, now=now) for m in months
    ]
    [quarter] = periods.ended(PeriodKind.QUARTER, now, back=1)
    filled.append(await filling.fill(session, kind=PeriodKind.QUARTER, starts_on=quarter, now=now))
    done = [period for period in filled if period is not None and period.id is not None]
    # Every period but the last month is signed off, five days after it ended (no pushes).
    for period in done:
        if period.kind == PeriodKind.MONTH.value and period.starts_on == months[-1]:
            continue
        signed = datetime.combine(period.ends_on + timedelta(days=5), time(18), CHINA)
        await execute(
            session,
            update(AssessmentPeriod)
            .where(col(AssessmentPeriod.id) == period.id)
            .values(
                status=PeriodStatus.SIGNED.value,
                signed_by=SECRETARY.name,
                signed_at=min(signed, now),
            ),
        )
    sheets = await session.exec(
        select(func.count(col(AssessmentSheet.id))).where(
            col(AssessmentSheet.period_id).in_([period.id for period in done])
        )
    )
    return 3 + len(done) + int(sheets.one())
