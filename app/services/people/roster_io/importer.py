"""Reading the roster in: check every row first, then write only if all of them are good."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import OrgUnit, Person, PoliticalStage
from app.models.people import PersonCreate, PersonUpdate, StageTransitionCreate
from app.models.types import china_today
from app.services import audit, spreadsheets
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service
from app.services.people.roster_io import files
from app.services.people.roster_io import rows as row_reader
from app.services.people.roster_io.columns import COLUMNS
from app.services.people.roster_io.rows import RowError

IMPORT_NOTE = "名册导入"
_BY_KEY = {column.key: column for column in COLUMNS}
# Rows done, of the total: a background import reports how far it is.
Progress = Callable[[int, int], Awaitable[None]]
PROGRESS_EVERY = 100  # rows between two progress reports
_EDITABLE = ("name", "department", "post", "is_manager", "phone", "note", "status")


@dataclass(slots=True)
class ImportReport:
    """What an import did; when errors is non-empty nothing at all was written."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # rows skipped, and why

    def to_json(self) -> dict[str, Any]:
        """The report as stored with a background import."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "done": self.created + self.updated + self.unchanged,
            "errors": [_error_json(error) for error in self.errors],
            "warnings": [_error_json(warning) for warning in self.warnings],
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> ImportReport:
        """The report a background import stored."""
        return cls(
            created=int(stored.get("created", 0)),
            updated=int(stored.get("updated", 0)),
            unchanged=int(stored.get("unchanged", 0)),
            errors=[RowError(**error) for error in stored.get("errors", [])],
            warnings=[RowError(**warning) for warning in stored.get("warnings", [])],
        )


def _error_json(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "message": error.message}


@dataclass(slots=True)
class _Plan:
    """What one good row will do."""

    create: PersonCreate | None = None
    person: Person | None = None
    update: PersonUpdate | None = None
    step: StageTransitionCreate | None = None
    after_step: PersonUpdate | None = None  # a probation end other than the step's default


@dataclass(slots=True)
class _Context:
    units: dict[str, int]
    ambiguous: dict[str, list[str]]  # a name several units share → their paths
    people: dict[str, Person]
    unit_ids: frozenset[int] | None
    today: date
    errors: list[RowError] = field(default_factory=list)


async def _unit_names(session: AsyncSession) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Every name a unit may be given by: its path, its full path, its own name if unique."""
    units: list[OrgUnit] = await org_unit_service.all_units(session)
    paths = await org_unit_service.path_names(session)
    by_id = {unit.id: unit for unit in units}
    lookup: dict[str, int] = {}
    for unit in units:
        assert unit.id is not None
        parts: list[str] = []
        current: OrgUnit | None = unit
        while current is not None:
            parts.append(current.name)
            current = by_id.get(current.parent_id) if current.parent_id else None
        lookup.setdefault("/".join(reversed(parts)), unit.id)
    lookup.update({path: unit_id for unit_id, path in paths.items()})
    counts = Counter(unit.name for unit in units)
    ambiguous: dict[str, list[str]] = {}
    for unit in units:
        assert unit.id is not None
        if counts[unit.name] == 1:
            lookup.setdefault(unit.name, unit.id)
        elif unit.name not in lookup:
            ambiguous.setdefault(unit.name, []).append(paths[unit.id])
    return lookup, ambiguous


def _validation(number: int, exc: ValidationError, errors: list[RowError]) -> None:
    for problem in exc.errors():
        column = _BY_KEY.get(str(problem["loc"][0]) if problem["loc"] else "")
        header = column.header if column else ""
        errors.append(RowError(number, header, f"{header or '该行'}填写不正确"))


def _plan(
    number: int, values: dict[str, Any], ctx: _Context, *, checks_only: bool = False
) -> _Plan | None:
    """Check one parsed row against the database; None (with errors added) when it is refused.

    With `checks_only` (a row with bad cells, already reported) the row's other problems are
    added too, so one upload lists them all, and no plan is made.
    """
    found: list[RowError] = []

    def bad(key: str, message: str) -> None:
        found.append(RowError(number, _BY_KEY[key].header, message))

    employee_no: str = values["employee_no"]
    person = ctx.people.get(employee_no)
    unit_name: str | None = values["org_unit"]
    unit_id = ctx.units.get(unit_name) if unit_name else None
    if unit_name and unit_id is None:
        if unit_name in ctx.ambiguous:
            paths = "、".join(ctx.ambiguous[unit_name])
            bad("org_unit", f"有多个名为「{unit_name}」的组织，请填写完整路径：{paths}")
        else:
            bad(
                "org_unit",
                f"所属组织「{unit_name}」不存在，请填写完整路径，如「神特新材党支部/第一党小组」",
            )
    elif ctx.unit_ids is not None:
        if unit_id is None:
            bad("org_unit", "请填写所属组织：您只能导入本人管辖组织内的人员")
        elif unit_id not in ctx.unit_ids:
            bad("org_unit", f"您无权把人员导入到「{unit_name}」，只能导入到本人管辖的组织")
    if ctx.unit_ids is not None and person is not None and person.org_unit_id not in ctx.unit_ids:
        bad("employee_no", f"工号 {employee_no} 的人员属于其他组织，您无权修改")

    since: date | None = values["stage_since"]
    probation: date | None = values["probation_ends_on"]
    if since is not None and since > ctx.today:
        bad("stage_since", f"当前阶段起始日期 {since.isoformat()} 晚于今天")
    current = PoliticalStage(person.stage) if person else PoliticalStage.MASSES
    target: PoliticalStage = values["stage"] or current
    if target is not PoliticalStage.PROBATIONARY:
        # Meaningless for other stages; left filled in when a member is converted (转正).
        probation = None
    plan = _Plan(person=person)
    start = since
    if person is None:
        if target is PoliticalStage.PROBATIONARY and probation is None and since is not None:
            probation = since + people_service.PROBATION
    elif target is not current:
        start = since or ctx.today
        if person.stage_since is not None and start < person.stage_since:
            bad(
                "stage_since",
                f"{start.isoformat()} 早于当前阶段({current.label})的起始日期 "
                f"{person.stage_since.isoformat()}",
            )
        plan.step = StageTransitionCreate(to_stage=target, occurred_on=start, note=IMPORT_NOTE)
    else:
        if since is not None and since != person.stage_since:
            recorded = person.stage_since.isoformat() if person.stage_since else "空"
            bad(
                "stage_since",
                f"政治面貌未变，不能通过导入修改当前阶段起始日期(系统记录：{recorded})",
            )
        start = person.stage_since
    if probation is not None and start is not None and probation <= start:
        bad("probation_ends_on", "预备期满日期应晚于当前阶段起始日期")
    if found or checks_only:
        ctx.errors.extend(found)
        return None

    fields = {key: values[key] for key in _EDITABLE} | {"org_unit_id": unit_id}
    try:
        if person is None:
            plan.create = PersonCreate(
                employee_no=employee_no,
                stage=target,
                stage_since=since,
                probation_ends_on=probation,
                **fields,
            )
            return plan
        wanted = PersonUpdate(**fields).model_dump(include=set(fields))
        changes = {key: value for key, value in wanted.items() if getattr(person, key) != value}
        if probation is not None:
            if plan.step is None:
                if probation != person.probation_ends_on:
                    changes["probation_ends_on"] = probation
            elif plan.step.occurred_on + people_service.PROBATION != probation:
                plan.after_step = PersonUpdate(probation_ends_on=probation)
        plan.update = PersonUpdate(**changes) if changes else None
    except ValidationError as exc:
        _validation(number, exc, ctx.errors)
        return None
    return plan


async def import_people(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    actor: audit.Actor,
    unit_ids: frozenset[int] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row of a roster file, then create or update people by 工号 (all or nothing)."""
    try:
        rows = await spreadsheets.off_loop(files.read_rows, data, filename=filename)
        positions, data_rows = row_reader.locate_header(rows)
    except files.RosterFileError as exc:
        return ImportReport(errors=[RowError(exc.row, "", str(exc))])
    errors: list[RowError] = []
    warnings: list[RowError] = []
    cells_read = [
        (number, *row_reader.parse_cells(number, cells, positions, errors))
        for number, cells in data_rows
    ]
    examples = {number for number, values, _ in cells_read if row_reader.is_example(values)}
    for number in sorted(examples):
        warnings.append(RowError(number, "备注", "这是导入模板的示例行，已跳过，没有导入"))
    errors = [error for error in errors if error.row not in examples]
    bad_cells = {number for number, _, good in cells_read if not good}
    cells_read = [row for row in cells_read if row[0] not in examples]
    parsed = [(number, values if good else None) for number, values, good in cells_read]
    repeated = row_reader.duplicates(parsed, errors)
    numbers = {values["employee_no"] for _, values, _ in cells_read if values["employee_no"]}
    statement = select(Person).where(col(Person.employee_no).in_(numbers))
    units, ambiguous = await _unit_names(session)
    ctx = _Context(
        units=units,
        ambiguous=ambiguous,
        people={person.employee_no: person for person in (await session.exec(statement)).all()},
        unit_ids=unit_ids,
        today=china_today(),
        errors=errors,
    )
    plans = [
        _plan(number, values, ctx, checks_only=number in bad_cells)
        for number, values, _ in cells_read
        if number not in repeated
    ]
    if errors:
        return ImportReport(errors=row_reader.sorted_errors(errors), warnings=warnings)
    report = ImportReport(warnings=warnings)
    for done, plan in enumerate(plans):
        assert plan is not None
        if progress is not None and done % PROGRESS_EVERY == 0:
            await progress(done, len(plans))
        await _apply(session, plan=plan, actor=actor, report=report)
    await audit.record(
        session,
        actor=actor,
        action="people.import",
        target_type="person",
        summary=(
            f"导入名册「{filename}」：新增 {report.created} 人，更新 {report.updated} 人，"
            f"未变 {report.unchanged} 人"
        ),
        after={
            "filename": filename,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return report


async def _apply(
    session: AsyncSession, *, plan: _Plan, actor: audit.Actor, report: ImportReport
) -> None:
    if plan.create is not None:
        await people_service.create(session, data=plan.create, actor=actor)
        report.created += 1
        return
    person = plan.person
    assert person is not None
    if plan.update is None and plan.step is None:
        report.unchanged += 1
        return
    if plan.update is not None:
        await people_service.update(session, person=person, data=plan.update, actor=actor)
    if plan.step is not None:
        await people_service.transition(
            session, person=person, data=plan.step, actor=actor, allow_jump=True
        )
    if plan.after_step is not None:
        await people_service.update(session, person=person, data=plan.after_step, actor=actor)
    report.updated += 1
