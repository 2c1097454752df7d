"""岗位建功 lists: the console's filters and pages, the .xlsx export, the member's own list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contribution, ContributionKind, ContributionStatus, Person
from app.models.types import CHINA
from app.services import attachments, audit, spreadsheets
from app.services.contributions.records import OWNER, TARGET, kind_label, status_label
from app.services.people import org_units as org_unit_service
from app.services.people import roster as people_service

SHEET_TITLE = "岗位建功"
EXPORT_COLUMNS = (
    *(("日期", 12), ("结束日期", 12), ("工号", 10), ("姓名", 10), ("部门", 16), ("类别", 10)),
    *(("标题", 30), ("事迹说明", 60), ("共同完成人", 16), ("效益（元）", 14), ("状态", 8)),
    *(("核实意见", 30), ("核实人", 10), ("核实时间", 17), ("登记人", 10), ("证明材料", 8)),
)


@dataclass(frozen=True, slots=True)
class Filter:
    """What the list, the export and the API are narrowed to (None: any)."""

    status: ContributionStatus | None = None
    kind: ContributionKind | None = None
    unit_id: int | None = None  # the unit and the units below it
    start: date | None = None
    end: date | None = None
    text: str = ""  # in the title, the description, the person's name or 工号
    person_id: int | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A contribution with its person."""

    contribution: Contribution
    person: Person

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return kind_label(self.contribution.kind)

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return status_label(self.contribution.status)


async def _statement(session: AsyncSession, found: Filter, unit_ids: frozenset[int] | None) -> Any:
    """The query for the contributions in scope matching the filter, newest first."""
    statement = select(Contribution, Person).join(
        Person, col(Person.id) == col(Contribution.person_id)
    )
    if found.status is not None:
        statement = statement.where(Contribution.status == found.status.value)
    if found.kind is not None:
        statement = statement.where(Contribution.kind == found.kind.value)
    if found.person_id is not None:
        statement = statement.where(Contribution.person_id == found.person_id)
    if found.unit_id is not None:
        units = await org_unit_service.subtree_ids(session, root_id=found.unit_id)
        statement = statement.where(col(Person.org_unit_id).in_(units))
    if found.start is not None:
        statement = statement.where(col(Contribution.done_on) >= found.start)
    if found.end is not None:
        statement = statement.where(col(Contribution.done_on) <= found.end)
    if found.text:
        words = found.text.strip()  # % and _ are matched literally (autoescape)
        statement = statement.where(
            or_(
                col(Contribution.title).contains(words, autoescape=True),
                col(Contribution.description).contains(words, autoescape=True),
                col(Person.name).contains(words, autoescape=True),
                col(Person.employee_no).contains(words, autoescape=True),
            )
        )
    return people_service.in_scope(statement, unit_ids)


def _newest_first(statement: Any) -> Any:
    """The latest date first; the latest recorded first within a day."""
    return statement.order_by(col(Contribution.done_on).desc(), col(Contribution.id).desc())


async def page(
    session: AsyncSession,
    *,
    found: Filter,
    unit_ids: frozenset[int] | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """A page of the contributions in scope matching the filter, and how many match in all."""
    statement = await _statement(session, found, unit_ids)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (await session.exec(_newest_first(statement).offset(offset).limit(limit))).all()
    return [Row(c, p) for c, p in rows], int(total)


async def one(
    session: AsyncSession, *, contribution_id: int, unit_ids: frozenset[int] | None
) -> Row | None:
    """One contribution with its person, when the person is in scope (None alike otherwise)."""
    statement = select(Contribution, Person).join(
        Person, col(Person.id) == col(Contribution.person_id)
    )
    statement = people_service.in_scope(
        statement.where(Contribution.id == contribution_id), unit_ids
    )
    found = (await session.exec(statement)).first()
    return Row(*found) if found is not None else None


async def describe_filter(session: AsyncSession, found: Filter) -> str:
    """ "状态：已核实；类别：技术攻关；…", or "全部"."""
    parts: list[str] = []
    if found.status is not None:
        parts.append(f"状态：{found.status.label}")
    if found.kind is not None:
        parts.append(f"类别：{found.kind.label}")
    if found.unit_id is not None:
        names = await org_unit_service.path_names(session)
        parts.append(f"组织：{names.get(found.unit_id, found.unit_id)}")
    if found.start is not None or found.end is not None:
        parts.append(f"日期：{found.start or '…'} 至 {found.end or '…'}")
    if found.text:
        parts.append(f"关键词：{found.text}")
    return "；".join(parts) or "全部"


def _local(moment: datetime | None) -> str:
    """A UTC moment as China time, to the minute ("" for none)."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def contributions_xlsx(rows: list[Row], evidence: dict[int, int]) -> bytes:
    """The rows as .xlsx bytes (the caller audits the export)."""
    return spreadsheets.write_sheet(
        SHEET_TITLE,
        [header for header, _ in EXPORT_COLUMNS],
        (
            (
                row.contribution.done_on,
                row.contribution.ended_on,
                row.person.employee_no,
                row.person.name,
                row.person.department,
                row.kind_label,
                row.contribution.title,
                row.contribution.description,
                row.contribution.co_contributors,
                row.contribution.benefit,
                row.status_label,
                row.contribution.review_note,
                row.contribution.reviewed_by,
                _local(row.contribution.reviewed_at),
                row.contribution.recorded_by,
                evidence.get(row.contribution.id or 0, 0),
            )
            for row in rows
        ),
        widths=[width for _, width in EXPORT_COLUMNS],
        wrap=[8],
    )


async def export(
    session: AsyncSession, *, found: Filter, unit_ids: frozenset[int] | None, actor: audit.Actor
) -> bytes:
    """The matching contributions in scope as .xlsx bytes, built off the event loop (audited)."""
    statement = _newest_first(await _statement(session, found, unit_ids))
    rows = [Row(c, p) for c, p in (await session.exec(statement)).all()]
    ids = [row.contribution.id for row in rows if row.contribution.id is not None]
    files = await attachments.of(session, owner_kind=OWNER, owner_ids=ids)
    await audit.record(
        session,
        actor=actor,
        action="contribution.export",
        target_type=TARGET,
        summary=f"{await describe_filter(session, found)}（共 {len(rows)} 条，xlsx）",
    )
    evidence = {owner: len(found_files) for owner, found_files in files.items()}
    return await spreadsheets.off_loop(contributions_xlsx, rows, evidence)


async def of_person(session: AsyncSession, *, person_id: int) -> list[Contribution]:
    """The person's own contributions, newest first (the member's list)."""
    statement = select(Contribution).where(Contribution.person_id == person_id)
    statement = statement.order_by(col(Contribution.done_on).desc(), col(Contribution.id).desc())
    return list((await session.exec(statement)).all())
