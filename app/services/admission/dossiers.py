"""A development file with everything recorded against it, loaded once and read many ways."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionAssignee,
    AdmissionFile,
    AdmissionReview,
    AdmissionStep,
    AssigneeRole,
    CourseEnrolment,
    FileStatus,
    NoticeKind,
    NoticeObjection,
    Person,
    PublicNotice,
    ThoughtReport,
)
from app.services.admission import procedure
from app.services.admission.procedure import Step
from app.services.workdays import months_after


@dataclass
class Dossier:
    """One file: the person, the steps done, the people named, 公示, reviews and reports."""

    file: AdmissionFile
    person: Person
    steps: dict[str, AdmissionStep]
    assignees: list[AdmissionAssignee] = field(default_factory=list)
    notices: list[PublicNotice] = field(default_factory=list)
    objections: dict[int, list[NoticeObjection]] = field(default_factory=dict)
    reviews: list[AdmissionReview] = field(default_factory=list)
    reports: list[ThoughtReport] = field(default_factory=list)
    course_ids: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The file's id."""
        assert self.file.id is not None
        return self.file.id

    @property
    def is_open(self) -> bool:
        """Whether steps may still be recorded."""
        return self.file.status == FileStatus.OPEN.value

    def done_on(self, code: str) -> date | None:
        """The date a step was done, None while it is not."""
        found = self.steps.get(code)
        return found.done_on if found is not None else None

    def passed(self, code: str) -> bool:
        """Done, or (in a history entered from paper) left out before a later step given."""
        if code in self.steps:
            return True
        if not self.file.historical or not self.steps:
            return False
        latest = max(procedure.step(done).number for done in self.steps)
        return procedure.step(code).number < latest

    def available(self) -> list[Step]:
        """The steps that may be taken now: not passed, every step before them passed."""
        if not self.is_open:
            return []
        return [
            step
            for step in procedure.STEPS
            if not self.passed(step.code) and all(self.passed(code) for code in step.after)
        ]

    def next_step(self) -> Step | None:
        """The first step that may be taken now (the lowest number)."""
        available = self.available()
        return available[0] if available else None

    def people(self, role: AssigneeRole) -> list[int]:
        """The ids of the contacts or introducers named on the file."""
        return [a.person_id for a in self.assignees if a.role == role.value]

    def probation_ends_on(self) -> date | None:
        """The end of 预备期: a year from the branch meeting's resolution, plus any extension."""
        resolved = self.done_on("branch_resolution")
        if resolved is None or self.done_on("approval") is None:
            return None
        months = procedure.PROBATION_MONTHS + self.file.probation_extension_months
        return months_after(resolved, months)

    def notice(self, kind: NoticeKind) -> PublicNotice | None:
        """The file's 公示 of this kind, if one was started."""
        return next((n for n in self.notices if n.kind == kind.value), None)

    def unresolved(self, notice: PublicNotice) -> list[NoticeObjection]:
        """The notice's objections the secretary has not checked yet."""
        assert notice.id is not None
        return [o for o in self.objections.get(notice.id, []) if o.outcome is None]

    def holding_notice(self, today: date) -> PublicNotice | None:
        """A 公示 that holds the procedure: still running, or with an objection not checked."""
        for notice in self.notices:
            if notice.starts_on <= today <= notice.ends_on or self.unresolved(notice):
                return notice
        return None


async def _rows(
    session: AsyncSession, model: type[Any], column: Any, ids: Sequence[int | None]
) -> list[Any]:
    if not ids:
        return []
    return list((await session.exec(select(model).where(col(column).in_(ids)))).all())


async def load_many(session: AsyncSession, files: Sequence[AdmissionFile]) -> list[Dossier]:
    """The dossiers of these files, with a handful of queries whatever their number."""
    ids = [f.id for f in files if f.id is not None]
    people = {
        p.id: p for p in await _rows(session, Person, Person.id, [f.person_id for f in files])
    }
    dossiers = {f.id: Dossier(file=f, person=people[f.person_id], steps={}) for f in files if f.id}
    for row in await _rows(session, AdmissionStep, AdmissionStep.file_id, ids):
        dossiers[row.file_id].steps[row.code] = row
    for row in await _rows(session, AdmissionAssignee, AdmissionAssignee.file_id, ids):
        dossiers[row.file_id].assignees.append(row)
    notices = await _rows(session, PublicNotice, PublicNotice.file_id, ids)
    by_notice: dict[int, Dossier] = {}
    for row in sorted(notices, key=lambda n: n.starts_on):
        dossiers[row.file_id].notices.append(row)
        by_notice[row.id] = dossiers[row.file_id]
    for row in await _rows(session, NoticeObjection, NoticeObjection.notice_id, list(by_notice)):
        by_notice[row.notice_id].objections.setdefault(row.notice_id, []).append(row)
    for row in sorted(
        await _rows(session, AdmissionReview, AdmissionReview.file_id, ids),
        key=lambda r: r.reviewed_on,
    ):
        dossiers[row.file_id].reviews.append(row)
    for row in sorted(
        await _rows(session, ThoughtReport, ThoughtReport.file_id, ids),
        key=lambda r: r.submitted_at,
    ):
        dossiers[row.file_id].reports.append(row)
    for row in await _rows(session, CourseEnrolment, CourseEnrolment.file_id, ids):
        dossiers[row.file_id].course_ids.append(row.course_id)
    return [dossiers[i] for i in ids]


async def load(session: AsyncSession, *, file_id: int) -> Dossier | None:
    """One file's dossier, None when there is no such file."""
    found = await session.get(AdmissionFile, file_id)
    return (await load_many(session, [found]))[0] if found is not None else None


async def for_person(session: AsyncSession, *, person_id: int) -> Dossier | None:
    """The person's dossier, None when they have no development file."""
    statement = select(AdmissionFile).where(AdmissionFile.person_id == person_id)
    found = (await session.exec(statement)).first()
    return (await load_many(session, [found]))[0] if found is not None else None


async def open_files(
    session: AsyncSession, *, unit_ids: frozenset[int] | None = None
) -> list[Dossier]:
    """Every open file (in the given units and below, when given), by person name."""
    statement = (
        select(AdmissionFile)
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .where(AdmissionFile.status == FileStatus.OPEN.value)
        .order_by(col(Person.name))
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    return await load_many(session, list((await session.exec(statement)).all()))


async def all_files(
    session: AsyncSession, *, unit_ids: frozenset[int] | None = None
) -> list[Dossier]:
    """Every file, open or not (for the ledger), by person name."""
    statement = (
        select(AdmissionFile)
        .join(Person, col(Person.id) == col(AdmissionFile.person_id))
        .order_by(col(Person.name))
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    return await load_many(session, list((await session.exec(statement)).all()))
