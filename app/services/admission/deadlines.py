"""The dates the procedure implies for a file: what is due when, and how many days are left.

A deadline that falls on a day off (a weekend, a public holiday) moves to the next working day
of China's official calendar; one in a year whose holidays are not known yet is flagged.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.models import PoliticalStage
from app.services.admission import procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.procedure import Role
from app.services.workdays import WorkCalendar, months_after


class Kind(StrEnum):
    """What the date means."""

    DUE = "due"  # to be done by then; overdue after it
    EARLIEST = "earliest"  # not before then (确定发展对象: one year of cultivation)
    EXPIRES = "expires"  # valid until then (政审)
    ENDS = "ends"  # a period ends then (预备期)


@dataclass(frozen=True)
class Deadline:
    """One dated obligation of a file."""

    key: str  # stable per obligation and due date: reminders are sent once per key
    title: str
    due: date
    kind: Kind
    days_left: int
    responsible: tuple[Role, ...]
    note: str = ""
    unknown_year: bool = False  # the due date's year has no holiday data yet

    @property
    def overdue(self) -> bool:
        """Due or valid-until in the past."""
        return self.kind in (Kind.DUE, Kind.EXPIRES) and self.days_left < 0

    @property
    def warning(self) -> bool:
        """Due within a week (or overdue): what the reminders and the red marks are for."""
        return self.kind in (Kind.DUE, Kind.EXPIRES) and self.days_left <= 7

    @property
    def describe(self) -> str:
        """ "还剩 5 天" / "已逾期 3 天" / "今天到期"."""
        if self.kind is Kind.EARLIEST:
            return "已可办理" if self.days_left <= 0 else f"还需 {self.days_left} 天"
        if self.days_left > 0:
            return f"还剩 {self.days_left} 天"
        if self.days_left == 0:
            return "今天到期"
        return f"已逾期 {-self.days_left} 天" if self.kind is Kind.DUE else "已过期"


def quarter_of(day: date) -> str:
    """ "2026Q4"."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: date) -> date:
    """The last day of `day`'s quarter."""
    last_month = ((day.month - 1) // 3 + 1) * 3
    return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


_REPORTING = (PoliticalStage.ACTIVIST, PoliticalStage.CANDIDATE, PoliticalStage.PROBATIONARY)


def reports_due(dossier: Dossier) -> bool:
    """Whether the person hands in quarterly thought reports now (activist to full member)."""
    return dossier.is_open and dossier.person.stage in {s.value for s in _REPORTING}


def compute(
    dossier: Dossier, *, workdays: WorkCalendar, today: date, review_valid_months: int
) -> list[Deadline]:
    """The file's open obligations, soonest first."""
    if not dossier.is_open:
        return []
    found: list[Deadline] = []

    def add(
        key: str, title: str, due: date, kind: Kind, roles: tuple[Role, ...], note: str = ""
    ) -> None:
        if kind in (Kind.DUE, Kind.ENDS):
            due = workdays.on_or_after(due)
        found.append(
            Deadline(
                key=f"{key}:{due.isoformat()}",
                title=title,
                due=due,
                kind=kind,
                days_left=(due - today).days,
                responsible=roles,
                note=note,
                unknown_year=not workdays.knows(due.year),
            )
        )

    done = dossier.done_on
    s, c, p = Role.SECRETARY, Role.CONTACT, Role.COMMITTEE
    if (applied := done("apply")) and not done("talk"):
        add("talk", "党组织派人谈话", months_after(applied, procedure.TALK_MONTHS), Kind.DUE, (s,))
    if (activist := done("activist")) and not done("candidate"):
        earliest = months_after(activist, procedure.ACTIVIST_MONTHS)
        add("candidate", "可确定为发展对象", earliest, Kind.EARLIEST, (s,), "培养考察满一年")
    if activist and not done("branch_resolution"):
        # Completing cultivation and deciding the candidacy each rest on a 考察 too.
        checks = [
            done("cultivation"),
            done("candidate"),
            *(r.reviewed_on for r in dossier.reviews),
        ]
        last = max([activist, *(day for day in checks if day is not None)])
        add("review", "半年考察", months_after(last, procedure.REVIEW_MONTHS), Kind.DUE, (c, s))
    if reports_due(dossier):
        quarter = quarter_of(today)
        if not any(r.quarter == quarter for r in dossier.reports):
            add(
                "report",
                f"{quarter[:4]}年第{quarter[-1]}季度思想汇报",
                quarter_end(today),
                Kind.DUE,
                (c,),
            )
    if (reviewed := done("political_review")) and not done("branch_resolution"):
        valid = months_after(reviewed, review_valid_months)
        add("political_review", "政审有效期", valid, Kind.EXPIRES, (s,), "支部大会须在此前召开")
    if (resolved := done("branch_resolution")) and not done("approval"):
        latest = months_after(resolved, procedure.APPROVAL_MONTHS_AT_MOST)
        add("approval", "上级党委审批", months_after(resolved, procedure.APPROVAL_MONTHS),
            Kind.DUE, (p, s), f"特殊情况最长至 {latest.isoformat()}，须说明理由")  # fmt: skip
    if (ends := dossier.probation_ends_on()) and not done("conversion_resolution"):
        add("probation", "预备期满", ends, Kind.ENDS, (s,))
        if not done("conversion_request"):
            add("conversion_request", "提出转正申请", ends, Kind.DUE, (s,))
        add("conversion_resolution", "支部大会讨论转正", ends, Kind.DUE, (s,), "预备期满后及时讨论")
    if (converted := done("conversion_resolution")) and not done("conversion_approval"):
        add("conversion_approval", "上级党委审批转正",
            months_after(converted, procedure.APPROVAL_MONTHS), Kind.DUE, (p, s))  # fmt: skip
    return sorted(found, key=lambda d: (d.due, d.key))
