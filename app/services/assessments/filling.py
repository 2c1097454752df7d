"""A period's run: every member's sheet filled once, in bulk, with the scheme version in force."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import (
    AssessmentEntry,
    AssessmentPeriod,
    AssessmentSheet,
    PeriodKind,
    PeriodStatus,
    Person,
    PersonStatus,
    PoliticalStage,
)
from app.services.assessments import periods, rules, schemes
from app.services.assessments.schemes import POINTS, Item, level_of, sheet_level

MEMBER_STAGES = (PoliticalStage.PROBATIONARY.value, PoliticalStage.FULL.value)


@dataclass(slots=True)
class FillRun:
    """What a run of the period job did."""

    filled: list[str] = field(default_factory=list)

    def describe(self) -> str | None:
        """The job's one-line outcome, None when nothing was due."""
        return f"已生成考核表：{'、'.join(self.filled)}" if self.filled else None


def score_of(items: list[Item], levels: dict[str, str | None]) -> float | None:
    """The sheet's weighted score over the items that have a level (无记录 left out)."""
    weighed = [(item.weight, POINTS[level]) for item in items if (level := levels.get(item.code))]
    total = sum(weight for weight, _ in weighed)
    if not total:
        return None
    return round(sum(weight * points for weight, points in weighed) / total, 1)


async def members(session: AsyncSession) -> list[tuple[int, int | None]]:
    """(person id, unit id) of every active 党员 and 预备党员."""
    rows = await session.exec(
        select(Person.id, Person.org_unit_id)
        .where(
            col(Person.status) == PersonStatus.ACTIVE.value,
            col(Person.stage).in_(MEMBER_STAGES),
        )
        .order_by(col(Person.id))
    )
    return [(int(person_id), unit_id) for person_id, unit_id in rows.all() if person_id]


async def _months_judged(
    session: AsyncSession, *, codes: list[str], start: date, end: date
) -> dict[tuple[int, str], float]:
    """For a quarter or year: each person's mean of the months' final values of hand items."""
    if not codes:
        return {}
    final = func.coalesce(col(AssessmentEntry.adjusted_value), col(AssessmentEntry.value))
    rows = await session.exec(
        select(AssessmentSheet.person_id, AssessmentEntry.code, func.avg(final))
        .join(AssessmentSheet, col(AssessmentSheet.id) == col(AssessmentEntry.sheet_id))
        .join(AssessmentPeriod, col(AssessmentPeriod.id) == col(AssessmentSheet.period_id))
        .where(
            col(AssessmentPeriod.kind) == PeriodKind.MONTH.value,
            col(AssessmentPeriod.starts_on) >= start,
            col(AssessmentPeriod.ends_on) <= end,
            col(AssessmentEntry.code).in_(codes),
            final.is_not(None),
        )
        .group_by(col(AssessmentSheet.person_id), col(AssessmentEntry.code))
    )
    return {(person_id, code): round(float(mean), 1) for person_id, code, mean in rows.all()}


async def fill(
    session: AsyncSession, *, kind: PeriodKind, starts_on: date, now: datetime
) -> AssessmentPeriod | None:
    """Fill the period's sheets unless done already (or no scheme applies); None then."""
    scheme = await schemes.for_period(session, kind=kind, starts_on=starts_on)
    if scheme is None or scheme.id is None:
        return None
    ends_on = periods.end_of(kind, starts_on)
    period = AssessmentPeriod(
        kind=kind.value, starts_on=starts_on, ends_on=ends_on, scheme_id=scheme.id, filled_at=now
    )
    try:
        # The unique (kind, starts_on) makes a second run, or a second scheduler, a no-op.
        async with session.begin_nested():
            session.add(period)
            await session.flush()
    except IntegrityError:
        return None
    items = schemes.items_of(scheme)
    people = await members(session)
    ids = [person_id for person_id, _ in people]
    measured = await rules.measure_all(
        session,
        codes={item.rule for item in items if item.rule},
        people=ids,
        start=starts_on,
        end=ends_on,
    )
    judged: dict[tuple[int, str], float] = {}
    if kind is not PeriodKind.MONTH:
        hand = [item.code for item in items if item.rule is None]
        judged = await _months_judged(session, codes=hand, start=starts_on, end=ends_on)
    sheet_rows: list[dict[str, Any]] = []
    entry_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for person_id, unit_id in people:
        levels: dict[str, str | None] = {}
        for item in items:
            value: float | None = None
            evidence: list[dict[str, Any]] = []
            if item.rule is not None:
                measure = measured[item.rule].get(person_id)
                if measure is not None:
                    value, evidence = measure.value, measure.evidence
            else:
                value = judged.get((person_id, item.code))
            levels[item.code] = level_of(item, value)
            entry_rows[person_id].append(
                {
                    "code": item.code,
                    "value": value,
                    "evidence": evidence,
                    "level": levels[item.code],
                }
            )
        score = score_of(items, levels)
        sheet_rows.append(
            {
                "period_id": period.id,
                "person_id": person_id,
                "org_unit_id": unit_id,
                "score": score,
                "level": sheet_level(score),
            }
        )
    if sheet_rows:
        inserted = await execute(
            session,
            insert(AssessmentSheet).returning(
                col(AssessmentSheet.id), col(AssessmentSheet.person_id)
            ),
            sheet_rows,
        )
        rows = [
            {**entry, "sheet_id": sheet_id}
            for sheet_id, person_id in (tuple(row) for row in inserted.all())
            for entry in entry_rows[int(person_id)]
        ]
        await _insert_entries(session, rows)
    return period


# PostgreSQL takes the entries as five arrays in one statement (an executemany of 70,000 rows
# took 2.6 s of the 3 s the issue allows for 10,000 people); elsewhere an executemany.
_UNNEST = text(
    "INSERT INTO assessment_entry (sheet_id, code, value, evidence, level) "
    "SELECT s, c, v, CAST(e AS jsonb), l FROM unnest("
    "CAST(:s AS integer[]), CAST(:c AS varchar[]), CAST(:v AS double precision[]), "
    "CAST(:e AS text[]), CAST(:l AS varchar[])) AS t(s, c, v, e, l)"
)


async def _insert_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert the entries in bulk."""
    if not rows:  # a scheme without items: an executemany of nothing is an error to come
        return
    if (await session.connection()).dialect.name != "postgresql":
        await execute(session, insert(AssessmentEntry), rows)
        return
    columns: dict[str, list[Any]] = {"s": [], "c": [], "v": [], "e": [], "l": []}
    for row in rows:
        columns["s"].append(row["sheet_id"])
        columns["c"].append(row["code"])
        columns["v"].append(row["value"])
        columns["e"].append(json.dumps(row["evidence"], ensure_ascii=False))
        columns["l"].append(row["level"])
    await execute(session, _UNNEST, columns)


async def _filled(
    session: AsyncSession, due: list[tuple[PeriodKind, date]]
) -> set[tuple[str, date]]:
    """Which of these periods are filled already, in one query (most runs find all of them)."""
    starts = {starts_on for _, starts_on in due}
    rows = await session.exec(
        select(col(AssessmentPeriod.kind), col(AssessmentPeriod.starts_on)).where(
            col(AssessmentPeriod.starts_on).in_(starts)
        )
    )
    return {(kind, starts_on) for kind, starts_on in rows.all()}


async def run_due(session: AsyncSession, *, now: datetime) -> FillRun:
    """Fill every ended month (and quarter, year) not filled yet, months first."""
    run = FillRun()
    due = [
        (kind, starts_on)
        for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
        for starts_on in periods.ended(kind, now)
    ]
    # An idle run (nearly every hour) skips the filled ones here instead of trying each in a
    # savepoint; fill's unique key still settles a period two schedulers fill at once.
    filled = await _filled(session, due)
    for kind, starts_on in due:
        if (kind.value, starts_on) in filled:
            continue
        if await fill(session, kind=kind, starts_on=starts_on, now=now) is not None:
            run.filled.append(periods.name_of(kind, starts_on))
    return run


def status_label(period: AssessmentPeriod) -> str:
    """The period's status in Chinese."""
    return PeriodStatus(period.status).label
