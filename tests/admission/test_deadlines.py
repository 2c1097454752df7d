"""Computed deadlines: China's working days, holidays, adjusted weekends, years not known yet."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AdmissionStep, PoliticalStage
from app.services.admission import deadlines, dossiers, steps
from app.services.admission.deadlines import Kind
from app.services.admission.steps import StepAlreadyRecorded, StepInput
from app.services.workdays import WorkCalendar, enter_year, load, parse_days
from tests.admission.test_procedure import (
    ADMIN,
    RULES,
    applicant,
    record,
    take_to_resolution,
    walk_to_candidate,
)
from tests.support.app import AppClient


def due(found: list[deadlines.Deadline], title: str) -> deadlines.Deadline:
    """The deadline with this title."""
    return next(d for d in found if d.title == title)


def compute(
    dossier: dossiers.Dossier, today: date, workdays: WorkCalendar | None = None
) -> list[deadlines.Deadline]:
    """The file's deadlines on `today`."""
    return deadlines.compute(
        dossier, workdays=workdays or WorkCalendar(), today=today, review_valid_months=12
    )


async def test_the_talk_is_due_a_month_after_applying_moved_past_a_holiday(
    db_session: AsyncSession,
) -> None:
    # 2026-10-01 is 国庆节: the deadline moves to the first working day after the holiday.
    dossier = await applicant(db_session, date(2026, 9, 1))
    talk = due(compute(dossier, date(2026, 9, 28)), "党组织派人谈话")
    assert talk.due == date(2026, 10, 8) and talk.kind is Kind.DUE
    assert talk.days_left == 10 and not talk.warning and talk.describe == "还剩 10 天"
    late = due(compute(dossier, date(2026, 10, 9)), "党组织派人谈话")
    assert late.overdue and late.describe == "已逾期 1 天"


async def test_an_adjusted_working_weekend_is_a_working_day(db_session: AsyncSession) -> None:
    # Sunday 2026-09-20 is worked (调休 for 国庆): a deadline on it stays there.
    dossier = await applicant(db_session, date(2026, 8, 20))
    talk = due(compute(dossier, date(2026, 9, 14)), "党组织派人谈话")
    assert talk.due == date(2026, 9, 20) and talk.warning


async def test_a_deadline_in_a_year_without_holiday_data_is_flagged_until_entered(
    db_session: AsyncSession,
) -> None:
    dossier = await applicant(db_session, date(2026, 12, 1))
    talk = due(compute(dossier, date(2026, 12, 7)), "党组织派人谈话")
    assert talk.due == date(2027, 1, 1) and talk.unknown_year  # Mon–Fri only: a Friday
    days = parse_days(2027, "2027-01-01 休 元旦\n2027-01-02 休 元旦\n2027-01-03 休 元旦")
    await enter_year(db_session, year=2027, days=days, actor=ADMIN)
    entered = await load(db_session)
    talk = due(compute(dossier, date(2026, 12, 7), entered), "党组织派人谈话")
    assert talk.due == date(2027, 1, 4) and not talk.unknown_year


async def test_cultivation_shows_the_earliest_candidate_date_and_the_half_year_review(
    db_session: AsyncSession,
) -> None:
    dossier = await walk_to_candidate(db_session)
    found = compute(dossier, date(2025, 6, 11))
    review = due(found, "半年考察")
    assert review.due == date(2025, 12, 10) and review.responsible[0].label == "培养联系人"
    report = due(found, "2025年第2季度思想汇报")
    assert report.due == date(2025, 6, 30)
    assert all(d.title != "可确定为发展对象" for d in found)  # done


async def test_probation_and_conversion_dates(db_session: AsyncSession) -> None:
    dossier = await walk_to_candidate(db_session)
    await take_to_resolution(db_session, dossier, date(2025, 8, 20))
    approval = due(compute(dossier, date(2025, 9, 1)), "上级党委审批")
    assert approval.due == date(2025, 11, 20) and "最长至 2026-02-20" in approval.note
    await record(db_session, dossier, "approval", date(2025, 9, 1))
    found = compute(dossier, date(2026, 7, 21))
    ends = due(found, "预备期满")
    assert ends.due == date(2026, 8, 20) and ends.kind is Kind.ENDS and ends.days_left == 30
    assert due(found, "提出转正申请").warning is False
    assert dossier.person.stage == PoliticalStage.PROBATIONARY.value


# A unique key under concurrency: locking differs between the two databases.
@pytest.mark.both_databases
async def test_two_admins_recording_the_same_step_at_once_record_it_once(
    client: AppClient,
) -> None:
    async with client.sessions() as session:
        dossier = await applicant(session, date(2026, 11, 2), "并发")
        await session.commit()
    file_id = dossier.id

    async def attempt(name: str) -> str:
        async with client.sessions() as session:
            mine = await dossiers.load(session, file_id=file_id)
            assert mine is not None
            try:
                await steps.record(
                    session,
                    dossier=mine,
                    data=StepInput(code="talk", done_on=date(2026, 11, 20), note=name),
                    actor=ADMIN,
                    rules=RULES,
                )
            except StepAlreadyRecorded as refusal:
                return str(refusal)
            await session.commit()
            return "recorded"

    outcomes = await asyncio.gather(attempt("甲"), attempt("乙"))
    assert outcomes.count("recorded") == 1
    refusal = next(o for o in outcomes if o != "recorded")
    assert "已由 书记 记录" in refusal and "不能重复记录" in refusal
    async with client.sessions() as session:
        rows = (
            await session.exec(select(AdmissionStep).where(AdmissionStep.file_id == file_id))
        ).all()
        assert sorted(r.code for r in rows) == ["apply", "talk"]
