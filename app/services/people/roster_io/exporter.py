"""Writing the roster out: the export of people in scope, and the empty template."""

from __future__ import annotations

from typing import Any, Literal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, PersonStatus, PoliticalStage
from app.services import audit, spreadsheets
from app.services.people import org_units as org_unit_service
from app.services.people.roster import in_scope, mask_phone
from app.services.people.roster_io import files
from app.services.people.roster_io.columns import COLUMNS, Cell, parse_date

Format = Literal["xlsx", "csv"]


def _values(person: Person, unit_names: dict[int, str], *, full_phones: bool) -> dict[str, Any]:
    stage = PoliticalStage(person.stage)
    return {
        "employee_no": person.employee_no,
        "name": person.name,
        "department": person.department,
        "post": person.post,
        "is_manager": person.is_manager,
        "org_unit": unit_names.get(person.org_unit_id) if person.org_unit_id else None,
        "stage": stage,
        "stage_since": person.stage_since,
        # A converted member keeps the old date in the database; the file shows it only while
        # it still means something, so a re-import never trips over it.
        "probation_ends_on": (
            person.probation_ends_on if stage is PoliticalStage.PROBATIONARY else None
        ),
        "status": PersonStatus(person.status),
        # In full for those who may edit (exports are audited by the caller); masked otherwise.
        "phone": person.phone if full_phones else mask_phone(person.phone),
        "note": person.note,
    }


def _row(values: dict[str, Any]) -> list[Cell]:
    return [column.format(values[column.key]) for column in COLUMNS]


async def export_people(
    session: AsyncSession, *, unit_ids: frozenset[int] | None, fmt: Format, full_phones: bool
) -> bytes:
    """The roster of people in scope (None = everyone) by employee number, as .xlsx or .csv.

    Phone numbers are masked (138****0004) unless `full_phones`: a read-only user sees them
    masked on screen, and a download must not show more.
    """
    statement = select(Person).order_by(col(Person.employee_no))
    statement = in_scope(statement, unit_ids)
    people = (await session.exec(statement)).all()
    unit_names = await org_unit_service.path_names(session)
    rows = [_row(_values(person, unit_names, full_phones=full_phones)) for person in people]
    if fmt == "csv":
        return files.write_csv(rows)
    book = spreadsheets.Book()
    files.roster_sheet(book, rows)
    return book.to_bytes()


async def export_audited(
    session: AsyncSession,
    *,
    unit_ids: frozenset[int] | None,
    fmt: Format,
    full_phones: bool,
    actor: audit.Actor,
) -> bytes:
    """`export_people`, recorded in the audit trail as people.export (console and API alike)."""
    data = await export_people(session, unit_ids=unit_ids, fmt=fmt, full_phones=full_phones)
    scope = "全部" if unit_ids is None else f"{len(unit_ids)} 个组织"
    await audit.record(
        session,
        actor=actor,
        action="people.export",
        target_type="person",
        summary=f"导出名册（{fmt}，范围：{scope}）",
    )
    return data


def _example_row() -> list[Cell]:
    row: list[Cell] = []
    for column in COLUMNS:
        # Dates go in as real date cells, the way Excel stores what a user types.
        is_date = column.parse is parse_date
        row.append(parse_date(column.example) if is_date else column.example)
    return row


def template(fmt: Format) -> bytes:
    """An import template: headers, one example row and, in .xlsx, a 说明 sheet and dropdowns."""
    if fmt == "csv":
        return files.write_csv([_example_row()])
    book = spreadsheets.Book()
    sheet = files.roster_sheet(book, [_example_row()]).worksheet
    last_row = files.MAX_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if column.choices:
            dropdown = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"请从下拉列表中选择：{'、'.join(column.choices)}",
            )
            sheet.add_data_validation(dropdown)
            dropdown.add(f"{letter}2:{letter}{last_row}")
        if column.key in ("employee_no", "phone"):
            # Text, so Excel keeps leading zeros and never shows a phone as 1.38E+10.
            sheet.column_dimensions[letter].number_format = "@"
    guide = book.sheet(
        files.HELP_TITLE,
        ["列名", "是否必填", "填写说明", "示例"],
        widths=(18, 10, 80, 28),
        wrap=[3],
    )
    for column in COLUMNS:
        required = "必填" if column.required else "选填"
        guide.row([column.header, required, column.help, column.example])
    guide.row([])
    guide.row(["", "", "第一行为表头(上方可有标题行)；全空的行会被忽略；按工号新增或更新人员。"])
    guide.row(["", "", "所有行都通过检查后才会写入；有任何错误时不会导入任何数据。"])
    guide.row(["", "", f"单次最多 {files.MAX_ROWS} 行、文件不超过 5 MB；支持 .xlsx 和 .csv。"])
    return book.to_bytes()
