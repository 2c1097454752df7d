"""The 发展党员工作台账 and one person's file as .xlsx: step dates in their columns, scope, 政审."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from app.models import AdminRole
from app.services.admission import procedure
from tests.admission.console_support import CANDIDATE_HISTORY, enter_history, record
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock

NOTE = "政审结论：合格"


def cell_day(value: object) -> date | None:
    """A date cell as a date (openpyxl reads dates back as datetimes)."""
    return value.date() if isinstance(value, datetime) else None


async def test_the_ledger_has_one_row_per_person_and_a_column_per_step(
    console: AppClient, clock: Clock
) -> None:
    """Every file in scope, open or not; each step's date under its own header; audited."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    first = await add_person(console, "C001", "王发展", units.groups[0], department="研发部")
    second = await add_person(console, "C002", "李历史", units.groups[1])
    await enter_history(console, first, CANDIDATE_HISTORY)
    await enter_history(console, second, {"apply": "2025-01-02", "talk": "2025-01-20"})

    response = await console.get("/admin/admission/ledger.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:7] == ["姓名", "工号", "部门", "党组织", "当前阶段", "档案状态", "出生日期"]
    assert header[-3:] == ["培养联系人", "入党介绍人", "预备期满"]
    assert len(header) == 7 + 25 + 3
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"王发展", "李历史"}
    wang = by_name["王发展"]
    assert wang[1] == "C001" and wang[2] == "研发部" and wang[4] == "发展对象"
    for step in procedure.STEPS:
        column = header.index(f"{step.number}. {step.title}")
        expected = CANDIDATE_HISTORY.get(step.code)
        assert cell_day(wang[column]) == (date.fromisoformat(expected) if expected else None)
    li = by_name["李历史"]
    assert cell_day(li[header.index("2. 党组织派人谈话")]) == date(2025, 1, 20)
    assert (await audit_entries(console, "admission.export"))[0].summary.startswith(
        "导出发展党员工作台账（2 人"
    )

    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    sec = second_browser(console)
    assert (await sign_in(sec, "sec")).status_code == 303
    mine = load_workbook(io.BytesIO((await sec.get("/admin/admission/ledger.xlsx")).content))
    assert mine.active is not None
    assert [row[0] for row in mine.active.iter_rows(min_row=2, values_only=True)] == ["王发展"]


async def test_a_persons_file_export_shows_the_political_review_note_to_admins_only(
    console: AppClient, clock: Clock
) -> None:
    """The steps sheet with dates and 文号; 政审's note for an admin, 仅管理员可见 otherwise."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "C001", "王发展", units.groups[0])
    file_id = await enter_history(console, person, CANDIDATE_HISTORY)
    done = await record(console, file_id, "political_review", "2026-05-10", note=NOTE)
    assert done.status_code == 303

    admin_book = load_workbook(
        io.BytesIO((await console.get(f"/admin/admission/files/{file_id}.xlsx")).content)
    )
    assert admin_book.sheetnames == ["发展步骤", "期限", "半年考察", "思想汇报"]
    steps = list(admin_book["发展步骤"].iter_rows(min_row=2, max_row=26, values_only=True))
    assert [row[0] for row in steps] == list(range(1, 26))
    assert cell_day(steps[6][3]) == date(2025, 5, 20) and steps[6][2] == "确定发展对象"
    assert steps[9][7] == NOTE and steps[9][6] == "admin"

    await add_user(console, "viewer", AdminRole.VIEWER)
    viewer = second_browser(console)
    assert (await sign_in(viewer, "viewer")).status_code == 303
    response = await viewer.get(f"/admin/admission/files/{file_id}.xlsx")
    assert response.status_code == 200
    hidden = list(
        load_workbook(io.BytesIO(response.content))["发展步骤"].iter_rows(
            min_row=11, max_row=11, values_only=True
        )
    )
    assert hidden[0][7] == "仅管理员可见" and NOTE not in repr(hidden)
    exports = await audit_entries(console, "admission.export")
    assert exports[0].actor_name == "viewer" and "含政审材料" not in (exports[0].summary or "")
    assert "含政审材料" in (exports[1].summary or "")
