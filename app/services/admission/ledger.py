"""The 发展党员工作台账 (.xlsx, one row per person, one column per step date) and one person's
development file as a workbook; every export audited as admission.export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AssigneeRole, FileStatus, Person, PoliticalStage
from app.models.types import CHINA
from app.services import audit, spreadsheets
from app.services.admission import deadlines, dossiers, procedure
from app.services.admission.dossiers import Dossier
from app.services.people import org_units as org_unit_service
from app.services.workdays import WorkCalendar

# The step whose note and documents only admins see (政审 materials).
RESTRICTED_STEP = "political_review"
HIDDEN = "仅管理员可见"
LEDGER_TITLE = "发展党员工作台账"
# The ledger's columns before and after the 25 step dates.
LEDGER_HEAD = ("姓名", "工号", "部门", "党组织", "当前阶段", "档案状态", "出生日期")
LEDGER_TAIL = ("培养联系人", "入党介绍人", "预备期满")


def ledger_header() -> list[str]:
    """The ledger's header row: the person, one column per step (第 N 步 title), the people."""
    steps = [f"{step.number}. {step.title}" for step in procedure.STEPS]
    return [*LEDGER_HEAD, *steps, *LEDGER_TAIL]


async def names_of(session: AsyncSession, dossiers_: Sequence[Dossier]) -> dict[int, str]:
    """The names of everyone named on these files (contacts, introducers)."""
    ids = {a.person_id for d in dossiers_ for a in d.assignees}
    if not ids:
        return {}
    rows = (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
    return {p.id: p.name for p in rows if p.id is not None}


def named(dossier: Dossier, role: AssigneeRole, names: dict[int, str]) -> str:
    """The contacts or introducers of a file, "张三、李四"."""
    return "、".join(names.get(pid, str(pid)) for pid in dossier.people(role))


def stage_label(dossier: Dossier) -> str:
    """The person's stage in Chinese."""
    return PoliticalStage(dossier.person.stage).label


def status_label(dossier: Dossier) -> str:
    """The file's status in Chinese."""
    return FileStatus(dossier.file.status).label


def ledger_xlsx(
    rows: Sequence[Dossier], *, unit_names: dict[int, str], names: dict[int, str]
) -> bytes:
    """The ledger of these files, in the order given (the caller audits the export)."""
    header = ledger_header()
    widths = [10, 10, 14, 24, 10, 8, 12, *([12] * len(procedure.STEPS)), 16, 16, 12]
    body = []
    for dossier in rows:
        person = dossier.person
        unit = unit_names.get(person.org_unit_id or 0, "")
        body.append(
            [
                person.name,
                person.employee_no,
                person.department,
                unit,
                stage_label(dossier),
                status_label(dossier),
                dossier.file.birth_date,
                *(dossier.done_on(step.code) for step in procedure.STEPS),
                named(dossier, AssigneeRole.CONTACT, names),
                named(dossier, AssigneeRole.INTRODUCER, names),
                dossier.probation_ends_on(),
            ]
        )
    return spreadsheets.write_sheet(LEDGER_TITLE, header, body, widths=widths)


async def export_ledger(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, actor: audit.Actor
) -> bytes:
    """Every file in scope, open or not, as the ledger (audited as admission.export)."""
    rows = await dossiers.all_files(session, unit_ids=unit_ids)
    data = ledger_xlsx(
        rows,
        unit_names=await org_unit_service.path_names(session),
        names=await names_of(session, rows),
    )
    scope = "全部" if unit_ids is None else f"{len(unit_ids)} 个组织"
    await audit.record(
        session,
        actor=actor,
        action="admission.export",
        target_type="admission_file",
        summary=f"导出发展党员工作台账（{len(rows)} 人，范围：{scope}）",
    )
    return data


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else None


def file_xlsx(
    dossier: Dossier,
    *,
    due: Sequence[deadlines.Deadline],
    names: dict[int, str],
    admin: bool,
) -> bytes:
    """One person's file: steps, deadlines, reviews, thought reports (政审 note for admins)."""
    book = spreadsheets.Book()
    person = dossier.person
    steps = book.sheet(
        "发展步骤",
        ["步骤", "阶段", "步骤名称", "办理日期", "文号", "文件日期", "办理人", "备注"],
        widths=[6, 22, 24, 12, 18, 12, 12, 40],
        wrap=[8],
    )
    for step in procedure.STEPS:
        row = dossier.steps.get(step.code)
        note = row.note if row else None
        if step.code == RESTRICTED_STEP and note and not admin:
            note = HIDDEN
        steps.row(
            [
                step.number,
                procedure.section_of(step).title,
                step.title,
                row.done_on if row else None,
                row.document_no if row else None,
                row.document_date if row else None,
                row.recorded_by if row else None,
                note,
            ]
        )
    steps.row([])
    steps.row(["姓名", person.name, "工号", person.employee_no], bold=True)
    steps.row(["当前阶段", stage_label(dossier), "档案状态", status_label(dossier)])
    steps.row(["培养联系人", named(dossier, AssigneeRole.CONTACT, names)])
    steps.row(["入党介绍人", named(dossier, AssigneeRole.INTRODUCER, names)])
    steps.row(["预备期满", dossier.probation_ends_on()])
    book.sheet("期限", ["事项", "日期", "情况", "说明"], widths=[24, 12, 14, 40]).rows(
        [d.title, d.due, d.describe, d.note] for d in due
    )
    book.sheet("半年考察", ["考察日期", "考察意见", "记录人"], widths=[12, 60, 12], wrap=[2]).rows(
        [r.reviewed_on, r.summary, r.recorded_by] for r in dossier.reviews
    )
    book.sheet(
        "思想汇报",
        ["季度", "递交时间", "方式", "照片数", "已阅", "阅处人", "阅处时间", "意见"],
        widths=[10, 17, 8, 8, 6, 12, 17, 40],
    ).rows(
        [
            r.quarter,
            _local(r.submitted_at),
            r.via,
            r.photo_count,
            "是" if r.acknowledged_at else "否",
            r.acknowledged_by,
            _local(r.acknowledged_at),
            r.comment,
        ]
        for r in dossier.reports
    )
    return book.to_bytes()


async def export_file(
    session: AsyncSession,
    *,
    dossier: Dossier,
    workdays: WorkCalendar,
    today: date,
    review_valid_months: int,
    admin: bool,
    actor: audit.Actor,
) -> bytes:
    """One person's file as .xlsx (audited as admission.export)."""
    due = deadlines.compute(
        dossier, workdays=workdays, today=today, review_valid_months=review_valid_months
    )
    data = file_xlsx(dossier, due=due, names=await names_of(session, [dossier]), admin=admin)
    restricted = admin and RESTRICTED_STEP in dossier.steps
    await audit.record(
        session,
        actor=actor,
        action="admission.export",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"导出 {dossier.person.name} 的发展档案" + ("（含政审材料）" if restricted else ""),
    )
    return data
