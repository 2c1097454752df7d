"""三会一课 year view: held meetings per period, the current period's midpoint, the warnings."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import unit_of_work
from app.models import Meeting, MeetingKind, OrgUnit, OrgUnitKind
from app.services import audit
from app.services.meetings import frequency
from app.services.meetings import meetings as meeting_service
from app.services.meetings.frequency import PeriodStatus, UnitYear, YearView
from app.services.people import org_units as org_unit_service
from tests.support.app import AppClient
from tests.support.chat import china, make_meeting

GENERAL, COMMITTEE, GROUP = MeetingKind.GENERAL, MeetingKind.COMMITTEE, MeetingKind.GROUP


async def _units(client: AppClient) -> dict[str, int]:
    async with unit_of_work(client.sessions) as session:
        await org_unit_service.ensure_default_tree(session)
        units = await org_unit_service.all_units(session)
        return {unit.name: unit.id for unit in units if unit.id is not None}


async def _view(client: AppClient, year: int = 2026, **options: Any) -> YearView:
    app = client.app
    async with app.state.sessions() as session:
        return await frequency.year_view(session, year=year, now=app.state.clock(), **options)


def _unit(view: YearView, unit_id: int) -> UnitYear:
    return next(unit for unit in view.units if unit.unit_id == unit_id)


def _statuses(view: YearView, unit_id: int, requirement: str) -> list[PeriodStatus]:
    row = next(r for r in _unit(view, unit_id).rows if r.requirement.name == requirement)
    return [period.status for period in row.periods]


def _texts(view: YearView) -> list[str]:
    return [warning.text for warning in view.warnings]


async def test_the_current_month_warns_only_past_its_midpoint(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 1, 1))
    for month in range(1, 11):
        await make_meeting(
            client, starts_at=china(2026, month, 8, 9), kind=COMMITTEE, org_unit_id=branch
        )

    clock.set(china(2026, 11, 15, 23, 59))  # the 15th: November is not half over yet
    view = await _view(client)
    statuses = _statuses(view, branch, "支委会")
    assert statuses[:10] == [PeriodStatus.MET] * 10
    assert statuses[10:] == [PeriodStatus.CURRENT, PeriodStatus.FUTURE]
    assert not any("支委会" in text for text in _texts(view))

    clock.set(china(2026, 11, 20))
    view = await _view(client)
    assert "神特新材党支部：本月（11 月）尚未召开支委会。" in _texts(view)
    row = next(r for r in _unit(view, branch).rows if r.requirement.name == "支委会")
    assert row.held == 10 and row.periods[10].late and row.behind
    assert _unit(view, branch) in view.behind_units


async def test_a_missed_quarter_and_the_current_one(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 1, 1))
    for month in (2, 8):  # Q1 and Q3 only
        await make_meeting(
            client, starts_at=china(2026, month, 20, 14), kind=GENERAL, org_unit_id=branch
        )

    clock.set(china(2026, 11, 20))  # Q4 is past its midpoint (15 November, noon)
    view = await _view(client)
    assert _statuses(view, branch, "支部党员大会") == [
        PeriodStatus.MET,
        PeriodStatus.MISSING,
        PeriodStatus.MET,
        PeriodStatus.CURRENT,
    ]
    texts = _texts(view)
    assert "神特新材党支部：第二季度没有召开支部党员大会。" in texts
    assert "神特新材党支部：本季度（第四季度）尚未召开支部党员大会。" in texts
    # The finished periods come first, the current ones after.
    assert texts.index("神特新材党支部：第二季度没有召开支部党员大会。") < texts.index(
        "神特新材党支部：本季度（第四季度）尚未召开支部党员大会。"
    )


async def test_a_cancelled_meeting_does_not_count_and_a_special_lecture_does(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 1, 1))
    cancelled = await make_meeting(
        client, starts_at=china(2026, 10, 9, 9), kind=COMMITTEE, org_unit_id=branch
    )
    await make_meeting(
        client,
        starts_at=china(2026, 2, 9, 9),
        kind=MeetingKind.SPECIAL_LECTURE,
        org_unit_id=branch,
    )
    async with unit_of_work(client.sessions) as session:
        meeting = await session.get(Meeting, cancelled)
        assert meeting is not None
        await meeting_service.cancel(
            session, meeting=meeting, actor=audit.SYSTEM, now=china(2026, 10, 1)
        )

    clock.set(china(2026, 11, 20))
    view = await _view(client)
    assert _statuses(view, branch, "支委会")[9] is PeriodStatus.MISSING
    assert "神特新材党支部：10 月没有召开支委会。" in _texts(view)
    assert _statuses(view, branch, "党课")[0] is PeriodStatus.MET
    assert not any("第一季度没有召开党课" in text for text in _texts(view))


async def test_a_group_without_its_october_meeting_is_named(client, clock):
    units = await _units(client)
    first, second = units["第一党小组"], units["第二党小组"]
    clock.set(china(2026, 1, 1))
    for month in range(1, 12):
        await make_meeting(
            client, starts_at=china(2026, month, 3, 19), kind=GROUP, org_unit_id=second
        )
        if month != 10:
            await make_meeting(
                client, starts_at=china(2026, month, 3, 19), kind=GROUP, org_unit_id=first
            )

    clock.set(china(2026, 11, 20))
    view = await _view(client)
    texts = _texts(view)
    assert "第一党小组：10 月没有召开党小组会。" in texts
    assert not any(text.startswith("第二党小组") for text in texts)
    # A group has only its own requirement; the branch's are the branch's.
    assert [row.requirement.name for row in _unit(view, first).rows] == ["党小组会"]
    assert _statuses(view, first, "党小组会")[9] is PeriodStatus.MISSING
    # Tree order: the branch, then its groups.
    names = [unit.name for unit in view.units]
    assert names[:4] == ["神特新材党支部", "第一党小组", "第二党小组", "第三党小组"]


async def test_a_secretary_sees_only_their_units(client, clock):
    units = await _units(client)
    first = units["第一党小组"]
    clock.set(china(2026, 11, 20))
    view = await _view(client, unit_ids=frozenset({first}))
    assert [unit.unit_id for unit in view.units] == [first]
    assert view.warnings and all(w.text.startswith("第一党小组：") for w in view.warnings)
    assert len(view.warnings) == 11  # January–October missed, November past its midpoint


async def test_a_planned_meeting_later_in_the_period_is_not_a_warning(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 11, 1))
    await make_meeting(client, starts_at=china(2026, 11, 26, 9), kind=COMMITTEE, org_unit_id=branch)
    clock.set(china(2026, 11, 20))
    view = await _view(client)
    period = next(r for r in _unit(view, branch).rows if r.requirement.name == "支委会").periods[10]
    assert period.status is PeriodStatus.CURRENT and period.planned == 1 and period.held == 0
    assert not period.late
    assert "神特新材党支部：本月（11 月）尚未召开支委会。" not in _texts(view)

    clock.set(china(2026, 11, 26, 10))  # held now
    view = await _view(client)
    assert _statuses(view, branch, "支委会")[10] is PeriodStatus.MET


async def test_other_kinds_are_counted_per_month_and_never_warned_about(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 1, 1))
    for day in (5, 19):
        await make_meeting(
            client,
            starts_at=china(2026, 3, day, 14),
            kind=MeetingKind.THEME_DAY,
            org_unit_id=branch,
        )
    await make_meeting(client, starts_at=china(2026, 12, 4, 14), org_unit_id=branch)  # study day
    async with unit_of_work(client.sessions) as session:
        committee = (
            await session.exec(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.COMMITTEE.value))
        ).one()
        assert committee.id is not None
        committee_id = committee.id
    await make_meeting(
        client,
        starts_at=china(2026, 6, 4, 14),
        kind=MeetingKind.CENTER_GROUP,
        org_unit_id=committee_id,
    )

    clock.set(china(2026, 11, 20))
    view = await _view(client)
    others = {row.kind: row for row in _unit(view, branch).others}
    assert others[MeetingKind.THEME_DAY].months[2] == 2 and others[MeetingKind.THEME_DAY].total == 2
    assert MeetingKind.STUDY_DAY not in others  # December's has not happened yet
    # The committee has no requirement: it shows because it held something, with no rows.
    held_by_committee = _unit(view, committee_id)
    assert held_by_committee.rows == () and not held_by_committee.behind
    assert held_by_committee.others[0].kind is MeetingKind.CENTER_GROUP
    assert not any("主题党日" in text or "中心组" in text for text in _texts(view))


async def test_past_and_future_years(client, clock):
    units = await _units(client)
    branch = units["神特新材党支部"]
    clock.set(china(2026, 11, 20))
    future = await _view(client, year=2027)
    assert future.warnings == ()
    assert set(_statuses(future, branch, "支委会")) == {PeriodStatus.FUTURE}
    past = await _view(client, year=2025)
    assert set(_statuses(past, branch, "支委会")) == {PeriodStatus.MISSING}
    assert "神特新材党支部：12 月没有召开支委会。" in _texts(past)
    assert "神特新材党支部：第四季度没有召开党课。" in _texts(past)
