"""三会一课 year view: per unit and period, how many required meetings were held, and who lags."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Meeting, MeetingKind, OrgUnit
from app.models.meetings import REQUIREMENTS, Requirement
from app.models.types import CHINA
from app.services.meetings import meetings as meeting_service
from app.services.people import org_units as org_unit_service

QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
# Kinds no requirement covers: counted for information, never warned about.
REQUIRED_KINDS = frozenset(kind for r in REQUIREMENTS for kind in r.kinds)
OTHER_KINDS = tuple(kind for kind in MeetingKind if kind not in REQUIRED_KINDS)


class PeriodStatus(StrEnum):
    """Where one period of one requirement stands, by the clock."""

    MET = "met"  # held at least once
    MISSING = "missing"  # over, none held
    CURRENT = "current"  # in progress, none held yet
    FUTURE = "future"  # not begun

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {
            "met": "已召开",
            "missing": "未召开",
            "current": "尚未召开",
            "future": "未到",
        }[self.value]


@dataclass(frozen=True)
class Period:
    """One month or quarter of a requirement at one unit."""

    index: int  # 1–12 for months, 1–4 for quarters
    months: int  # how many months it spans (1 or 3)
    first_month: int
    start: datetime
    end: datetime
    held: int  # not cancelled, already begun
    planned: int  # not cancelled, not begun yet
    status: PeriodStatus
    # In progress, none held, past the midpoint and nothing planned: the unit falls behind.
    late: bool

    @property
    def name(self) -> str:
        """ "11 月" or "第四季度"."""
        return f"{self.index} 月" if self.months == 1 else QUARTER_NAMES[self.index - 1]

    @property
    def behind(self) -> bool:
        """Whether this period makes the unit fall behind."""
        return self.status is PeriodStatus.MISSING or self.late


@dataclass(frozen=True)
class RequirementRow:
    """One requirement at one unit over the year."""

    requirement: Requirement
    periods: tuple[Period, ...]

    @property
    def held(self) -> int:
        """How many meetings of the requirement's kinds were held this year."""
        return sum(period.held for period in self.periods)

    @property
    def behind(self) -> bool:
        """Whether any period makes the unit fall behind."""
        return any(period.behind for period in self.periods)


@dataclass(frozen=True)
class OtherRow:
    """The held meetings of one kind no requirement covers, per month (informative)."""

    kind: MeetingKind
    months: tuple[int, ...]  # 12 counts

    @property
    def total(self) -> int:
        """The year's count."""
        return sum(self.months)


@dataclass(frozen=True)
class YearWarning:
    """A sentence for the top of the page: which unit missed which requirement, when."""

    unit_id: int
    requirement: str
    period: str
    current: bool  # the period in progress (rather than one that is over)
    text: str


@dataclass(frozen=True)
class UnitYear:
    """One unit's year: its required rows and the other kinds."""

    unit_id: int
    name: str
    kind: str
    rows: tuple[RequirementRow, ...]
    others: tuple[OtherRow, ...]

    @property
    def behind(self) -> bool:
        """Whether the unit falls behind on any requirement."""
        return any(row.behind for row in self.rows)


@dataclass(frozen=True)
class YearView:
    """Every unit in scope for one China year, and the warnings (finished periods first)."""

    year: int
    now: datetime
    units: tuple[UnitYear, ...]
    warnings: tuple[YearWarning, ...]

    @property
    def behind_units(self) -> tuple[UnitYear, ...]:
        """The units that fall behind."""
        return tuple(unit for unit in self.units if unit.behind)


def _month_start(year: int, month: int) -> datetime:
    # Month 13 is the next January: period ends are exclusive.
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=CHINA)


def _in_tree_order(units: list[OrgUnit]) -> list[OrgUnit]:
    # Branch, then its groups, then the next branch: how the organisation reads.
    ids = {unit.id for unit in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[OrgUnit] = []
    todo = list(reversed(children.get(None, [])))
    while todo:
        unit = todo.pop()
        ordered.append(unit)
        todo.extend(reversed(children.get(unit.id, [])))
    return ordered


def _display_names(units: Iterable[OrgUnit], paths: dict[int, str]) -> dict[int, str]:
    # The short name reads best ("第一党小组"); the path only where two units share a name.
    units = list(units)
    seen: dict[str, int] = {}
    for unit in units:
        seen[unit.name] = seen.get(unit.name, 0) + 1
    return {
        unit.id: unit.name if seen[unit.name] == 1 else paths.get(unit.id, unit.name)
        for unit in units
        if unit.id is not None
    }


def _period(
    requirement: Requirement, index: int, year: int, now: datetime, meetings: list[Meeting]
) -> Period:
    first = (index - 1) * requirement.months + 1
    start, end = _month_start(year, first), _month_start(year, first + requirement.months)
    inside = [m for m in meetings if start <= m.starts_at < end]
    held = sum(1 for m in inside if m.starts_at <= now)
    planned = len(inside) - held
    if held:
        status = PeriodStatus.MET
    elif now >= end:
        status = PeriodStatus.MISSING
    elif now >= start:
        status = PeriodStatus.CURRENT
    else:
        status = PeriodStatus.FUTURE
    midpoint = start + (end - start) / 2
    late = status is PeriodStatus.CURRENT and now >= midpoint and not planned
    return Period(
        index=index,
        months=requirement.months,
        first_month=first,
        start=start,
        end=end,
        held=held,
        planned=planned,
        status=status,
        late=late,
    )


def _warning(unit_id: int, name: str, requirement: Requirement, period: Period) -> YearWarning:
    if period.status is PeriodStatus.MISSING:
        text = f"{name}：{period.name}没有召开{requirement.name}。"
    else:
        which = f"本月（{period.name}）" if period.months == 1 else f"本季度（{period.name}）"
        text = f"{name}：{which}尚未召开{requirement.name}。"
    return YearWarning(
        unit_id=unit_id,
        requirement=requirement.name,
        period=period.name,
        current=period.status is not PeriodStatus.MISSING,
        text=text,
    )


async def year_view(
    session: AsyncSession,
    *,
    year: int,
    now: datetime,
    unit_ids: set[int] | frozenset[int] | None = None,
) -> YearView:
    """The year's 三会一课 per unit in scope (None = every unit), with the units that lag."""
    start, end = meeting_service.year_bounds(year)
    found = await meeting_service.between(
        session, start=start, end=end, unit_ids=unit_ids, include_cancelled=False
    )
    by_unit: dict[int, list[Meeting]] = {}
    for meeting in found:
        by_unit.setdefault(meeting.org_unit_id, []).append(meeting)
    required_kinds = {r.unit_kind for r in REQUIREMENTS}
    all_units = await org_unit_service.all_units(session)
    paths = await org_unit_service.path_names(session)
    scoped = [u for u in all_units if u.id is not None and (unit_ids is None or u.id in unit_ids)]
    names = _display_names(scoped, paths)
    units: list[UnitYear] = []
    finished: list[YearWarning] = []
    current: list[YearWarning] = []
    for unit in _in_tree_order(scoped):
        assert unit.id is not None
        meetings = by_unit.get(unit.id, [])
        # A unit no requirement applies to (the committee) shows only when it held something.
        if unit.kind not in required_kinds and not meetings:
            continue
        rows = []
        for requirement in REQUIREMENTS:
            if requirement.unit_kind != unit.kind:
                continue
            kinds = {kind.value for kind in requirement.kinds}
            of_kind = [m for m in meetings if m.kind in kinds]
            periods = tuple(
                _period(requirement, index, year, now, of_kind)
                for index in range(1, 12 // requirement.months + 1)
            )
            rows.append(RequirementRow(requirement, periods))
            for period in periods:
                if period.status is PeriodStatus.MISSING:
                    finished.append(_warning(unit.id, names[unit.id], requirement, period))
                elif period.late:
                    current.append(_warning(unit.id, names[unit.id], requirement, period))
        others = []
        for kind in OTHER_KINDS:
            counts = [0] * 12
            for m in meetings:
                if m.kind == kind.value and m.starts_at <= now:
                    counts[m.starts_at.astimezone(CHINA).month - 1] += 1
            if any(counts):
                others.append(OtherRow(kind, tuple(counts)))
        units.append(UnitYear(unit.id, names[unit.id], unit.kind, tuple(rows), tuple(others)))
    return YearView(year=year, now=now, units=tuple(units), warnings=tuple(finished + current))
