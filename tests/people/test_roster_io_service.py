"""Roster import and export (.xlsx and .csv): round trips, updates by 工号, and every refusal."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
from sqlmodel import col, select

from app.db import unit_of_work
from app.models import AuditLog, Person, StageTransition
from app.services import audit
from app.services.people import org_units as org_unit_service
from app.services.people import roster_io
from app.services.people.roster_io import COLUMNS, ImportReport
from tests.support.database import Sessions, count_in
from tests.support.plugin import FIXTURES

ACTOR = audit.Actor(id=None, name="党群部测试")
HEADERS = [column.header for column in COLUMNS]
SAMPLE = (FIXTURES / "roster_sample.xlsx").read_bytes()
GROUP_1 = "神特新材党支部/第一党小组"
GROUP_2 = "神特新材党支部/第二党小组"


def _row(**overrides: str) -> dict[str, str]:
    """One good row by header, with some cells replaced."""
    row = {
        "工号": "T001",
        "姓名": "测试员",
        "部门": "生产部",
        "岗位": "操作工",
        "是否管理人员": "否",
        "所属组织": GROUP_1,
        "政治面貌": "正式党员",
        "当前阶段起始日期": "2020-07-01",
        "预备期满日期": "",
        "状态": "在册",
        "手机号": "13800000099",
        "备注": "",
    }
    row.update(overrides)
    return row


def _csv(*rows: dict[str, str], headers: list[str] = HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue()


def _read(data: bytes, fmt: str) -> list[list[Any]]:
    """A file's rows as values (header first)."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


async def _units(sessions: Sessions) -> dict[str, int]:
    async with unit_of_work(sessions) as session:
        await org_unit_service.ensure_default_tree(session)
        names = await org_unit_service.path_names(session)
    return {name: unit_id for unit_id, name in names.items()}


async def _import(
    sessions: Sessions,
    data: bytes | str,
    filename: str = "名册.csv",
    unit_ids: frozenset[int] | None = None,
) -> ImportReport:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    async with unit_of_work(sessions) as session:
        await org_unit_service.ensure_default_tree(session)
        return await roster_io.import_people(
            session, data=raw, filename=filename, actor=ACTOR, unit_ids=unit_ids
        )


async def _export(sessions: Sessions, fmt: str, unit_ids: frozenset[int] | None = None) -> bytes:
    async with unit_of_work(sessions) as session:
        return await roster_io.export_people(
            session,
            unit_ids=unit_ids,
            fmt=fmt,  # type: ignore[arg-type]
            full_phones=True,
        )


async def _person(sessions: Sessions, employee_no: str) -> Person:
    async with sessions() as session:
        statement = select(Person).where(Person.employee_no == employee_no)
        return (await session.exec(statement)).one()


def _errors(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


async def test_the_sample_imports_the_branchs_twenty_members(db_sessions):
    report = await _import(db_sessions, SAMPLE, "roster_sample.xlsx")
    assert (report.created, report.updated, report.unchanged, report.errors) == (20, 0, 0, [])
    async with db_sessions() as session:
        people = (await session.exec(select(Person))).all()
        entry = (
            await session.exec(select(AuditLog).where(AuditLog.action == "people.import"))
        ).one()
    assert sorted(p.stage for p in people) == ["full"] * 15 + ["probationary"] * 5
    guo = next(p for p in people if p.employee_no == "ST016")
    assert (guo.name, guo.stage_since, guo.probation_ends_on) == (
        "郭婷",
        date(2026, 6, 28),
        date(2027, 6, 28),
    )
    assert sum(p.is_manager for p in people) == 4 and {p.phone for p in people} >= {"13800000001"}
    assert await count_in(db_sessions, StageTransition) == 20  # each first stage, dated
    assert await count_in(db_sessions, AuditLog, col(AuditLog.action) == "person.create") == 20
    assert entry.after == {
        "filename": "roster_sample.xlsx",
        "created": 20,
        "updated": 0,
        "unchanged": 0,
    }


async def test_export_then_import_changes_nothing(db_sessions):
    await _import(db_sessions, SAMPLE, "roster_sample.xlsx")
    for fmt in ("xlsx", "csv"):
        exported = await _export(db_sessions, fmt)
        rows = _read(exported, fmt)
        assert rows[0] == HEADERS
        assert [row[0] for row in rows[1:]] == [f"ST{n:03d}" for n in range(1, 21)]
        first, probationary = rows[1], rows[16]
        assert first[4:7] == ["是", GROUP_1, "正式党员"]
        assert str(first[7])[:10] == "2003-07-01"
        assert first[10] == "13800000001"  # in full: only exports show it
        assert probationary[6] == "预备党员" and str(probationary[8])[:10] == "2027-06-28"
        assert exported.startswith(b"\xef\xbb\xbf" if fmt == "csv" else b"PK")

        report = await _import(db_sessions, exported, f"名册.{fmt}")
        assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 20, [])
    assert await count_in(db_sessions, AuditLog, col(AuditLog.action) == "person.update") == 0


async def test_export_keeps_to_the_secretarys_units_and_guards_against_formulas(db_sessions):
    units = await _units(db_sessions)
    text = _csv(_row(), _row(工号="T002", 所属组织=GROUP_2, 备注="=HYPERLINK(1)", 手机号="+86 138"))
    assert (await _import(db_sessions, text)).created == 2
    rows = _read(await _export(db_sessions, "csv", frozenset({units[GROUP_1]})), "csv")
    assert [row[0] for row in rows[1:]] == ["T001"]
    rows = _read(await _export(db_sessions, "csv"), "csv")
    assert rows[2][10:] == ["'+86 138", "'=HYPERLINK(1)"]
    sheet = openpyxl.load_workbook(io.BytesIO(await _export(db_sessions, "xlsx"))).worksheets[0]
    assert sheet["L3"].data_type == "s" and sheet["L3"].value == "=HYPERLINK(1)"
    # The guard comes off again on the way back in.
    report = await _import(db_sessions, await _export(db_sessions, "csv"))
    assert report.unchanged == 2, report.errors


async def test_the_templates_example_row_is_skipped_with_a_warning(db_sessions):
    data = roster_io.template("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["名册", "说明"]
    guide = [row[0] for row in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert guide[: len(HEADERS)] == HEADERS
    allowed = " ".join(str(cell) for row in book["说明"].values for cell in row if cell)
    assert "入党积极分子" in allowed and "已转出" in allowed
    lists = {str(v.sqref): v.formula1 for v in book["名册"].data_validations.dataValidation}
    assert "正式党员" in lists["G2:G5001"] and "已退休" in lists["J2:J5001"]
    # The example row (张三 ST099, 示例行) is not a real 预备党员: skipped, and the report says so.
    for file, name in ((data, "模板.xlsx"), (roster_io.template("csv"), "模板.csv")):
        report = await _import(db_sessions, file, name)
        assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 0, [])
        assert [(w.row, w.column) for w in report.warnings] == [(2, "备注")]
        assert "示例行" in report.warnings[0].message and "跳过" in report.warnings[0].message
    assert await count_in(db_sessions, Person) == 0
    # A real row below it imports; the example row's cells are all still good ones.
    rows = _read(roster_io.template("csv"), "csv")
    real = [*rows[1][:8], "", *rows[1][9:11], "真实人员"]
    real[:2] = ["ST100", "李四"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([*rows, real])
    report = await _import(db_sessions, buffer.getvalue())
    assert (report.created, report.errors, len(report.warnings)) == (1, [], 1)
    person = await _person(db_sessions, "ST100")
    assert (person.stage, person.probation_ends_on) == ("probationary", date(2027, 6, 28))


async def test_one_upload_reports_every_problem_of_a_row(db_sessions):
    future = (date.today() + timedelta(days=40)).isoformat()
    text = _csv(
        _row(
            工号="T001", 手机号="138", 所属组织="神特新材党支部/第九党小组", 当前阶段起始日期=future
        ),
        _row(工号="T002", 手机号="1380000000000000000000"),
        _row(工号="T003", 手机号="138-0000-0000"),
    )
    report = await _import(db_sessions, text)
    assert _errors(report) == [
        (2, "所属组织"),
        (2, "当前阶段起始日期"),
        (2, "手机号"),
        (3, "手机号"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(2, "手机号")] == "手机号「138」太短：只有 3 位数字，请填写完整的号码"
    assert "太长" in messages[(3, "手机号")]
    assert "第九党小组" in messages[(2, "所属组织")]
    assert "晚于今天" in messages[(2, "当前阶段起始日期")]


ASCII_IN_CHINESE = re.compile(r"[\u4e00-\u9fff」][,:;]|[,:;][\u4e00-\u9fff「]")


async def test_messages_and_the_guide_use_chinese_punctuation(db_sessions):
    text = _csv(_row(工号="T001", 政治面貌="党员", 所属组织="第九党小组", 是否管理人员="也许"))
    report = await _import(db_sessions, text)
    assert len(report.errors) == 3
    book = openpyxl.load_workbook(io.BytesIO(roster_io.template("xlsx")))
    guide = [str(cell) for row in book["说明"].values for cell in row if cell]
    for message in [e.message for e in report.errors] + guide:
        assert not ASCII_IN_CHINESE.search(message), message


async def test_reimport_updates_by_employee_number_and_audits_before_and_after(db_sessions):
    await _import(db_sessions, SAMPLE, "roster_sample.xlsx")
    rows = _read(await _export(db_sessions, "csv"), "csv")
    rows[3][2] = "技术部"  # ST003 moves department
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    report = await _import(db_sessions, buffer.getvalue())
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 19, [])
    zhang = await _person(db_sessions, "ST003")
    assert zhang.department == "技术部"
    async with db_sessions() as session:
        entry = (
            await session.exec(select(AuditLog).where(AuditLog.action == "person.update"))
        ).one()
    assert entry.target_id == str(zhang.id) and entry.actor_name == ACTOR.name
    assert (entry.before or {})["department"] == "生产部"
    assert (entry.after or {})["department"] == "技术部"


async def test_a_changed_stage_is_a_dated_transition(db_sessions):
    await _import(db_sessions, SAMPLE, "roster_sample.xlsx")
    rows = _read(await _export(db_sessions, "csv"), "csv")
    rows[19][6:8] = ["正式党员", "2026年11月20日"]  # ST019 converted (转正); probation date stays
    rows[20][6:8] = ["正式党员", ""]  # ST020 converted today
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    report = await _import(db_sessions, buffer.getvalue())
    assert (report.updated, report.unchanged, report.errors) == (2, 18, [])
    lin = await _person(db_sessions, "ST019")
    assert (lin.stage, lin.stage_since) == ("full", date(2026, 11, 20))
    async with db_sessions() as session:
        steps = (
            await session.exec(
                select(StageTransition).where(StageTransition.from_stage == "probationary")
            )
        ).all()
    assert sorted((s.occurred_on, s.note) for s in steps)[0] == (date(2026, 11, 20), "名册导入")
    assert len(steps) == 2 and all(s.to_stage == "full" for s in steps)
    assert await count_in(db_sessions, AuditLog, col(AuditLog.action) == "person.stage") == 2


async def test_every_bad_row_is_reported_and_nothing_is_written(db_sessions):
    future = (date.today() + timedelta(days=40)).isoformat()
    text = _csv(
        _row(工号="T001"),  # row 2: good, but not written either
        _row(工号="T002"),  # row 3
        _row(工号="T002", 姓名="张三"),  # row 4: same 工号 as row 3
        _row(工号="T005", 姓名=""),  # row 5
        _row(工号="T006", 当前阶段起始日期="2024-02-30"),  # row 6
        _row(工号="T007", 政治面貌="党员"),  # row 7
        _row(工号="T008", 所属组织="神特新材党支部/第九党小组"),  # row 8
        _row(工号="T009", 当前阶段起始日期=future),  # row 9
        _row(
            工号="T010", 政治面貌="预备党员", 当前阶段起始日期="2024/3/1", 预备期满日期="2024/2/1"
        ),  # row 10
        _row(工号="T011", 是否管理人员="也许", 手机号="1.38E+10", 状态="休假"),  # row 11
    )
    report = await _import(db_sessions, text)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert _errors(report) == [
        (3, "工号"),
        (4, "工号"),
        (5, "姓名"),
        (6, "当前阶段起始日期"),
        (7, "政治面貌"),
        (8, "所属组织"),
        (9, "当前阶段起始日期"),
        (10, "预备期满日期"),
        (11, "是否管理人员"),
        (11, "状态"),
        (11, "手机号"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(3, "工号")] == "工号重复(与第 4 行相同)"
    assert messages[(4, "工号")] == "工号重复(与第 3 行相同)"
    assert messages[(5, "姓名")] == "姓名不能为空"
    assert "2024-02-30" in messages[(6, "当前阶段起始日期")]
    assert "不存在" in messages[(6, "当前阶段起始日期")]
    assert "党员" in messages[(7, "政治面貌")] and "正式党员" in messages[(7, "政治面貌")]
    assert "预备党员" in messages[(7, "政治面貌")] and "入党积极分子" in messages[(7, "政治面貌")]
    assert "第九党小组" in messages[(8, "所属组织")]
    assert "晚于今天" in messages[(9, "当前阶段起始日期")]
    assert await count_in(db_sessions, Person) == 0
    assert await count_in(db_sessions, AuditLog) == 0


async def test_a_wrong_header_row_is_one_error_naming_the_missing_columns(db_sessions):
    cases = [(["编号", "名字", *HEADERS[2:]], ["工号", "姓名"]), (HEADERS[:5], HEADERS[5:])]
    for headers, missing in cases:
        report = await _import(db_sessions, _csv(_row(), headers=headers))
        assert len(report.errors) == 1 and report.errors[0].row == 1
        message = report.errors[0].message
        assert [h for h in HEADERS if h in message.split("：", 1)[1]] == missing, message
    assert await count_in(db_sessions, Person) == 0


async def test_csv_in_gbk_or_utf8_with_or_without_bom(db_sessions):
    cases = [("T001", "gbk", b""), ("T002", "utf-8", b"\xef\xbb\xbf"), ("T003", "utf-8", b"")]
    for employee_no, encoding, prefix in cases:
        text = _csv(_row(工号=employee_no, 姓名="欧阳娜娜", 备注="镕,第一党小组"))
        report = await _import(db_sessions, prefix + text.encode(encoding))
        assert (report.created, report.errors) == (1, [])
        person = await _person(db_sessions, employee_no)
        assert (person.name, person.note) == ("欧阳娜娜", "镕,第一党小组")
        assert person.org_unit_id is not None


async def test_dates_blank_rows_title_rows_and_whitespace(db_sessions):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["神特新材党支部党员名册(2026年)"])
    sheet.append([f" {h} " if h != "工号" else "*工号" for h in HEADERS])
    values = [_row(工号=f"T00{n}") for n in range(1, 5)]
    values[0]["当前阶段起始日期"] = date(2019, 7, 1)  # type: ignore[assignment]
    values[1]["当前阶段起始日期"] = "2019/7/1"
    values[2]["当前阶段起始日期"] = " 2019年7月1日 "
    values[3]["当前阶段起始日期"] = 20190701  # type: ignore[assignment]
    values[3]["手机号"] = 13800000004  # type: ignore[assignment]
    values[3]["所属组织"] = "第一党小组"  # the unit's own name, unique
    values[2]["姓名"] = "  李 四\u3000"
    sheet.append([values[0][h] for h in HEADERS])
    sheet.append([])
    for row in values[1:]:
        sheet.append([row[h] for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await _import(db_sessions, buffer.getvalue(), "名册.xlsx")
    assert (report.created, report.errors) == (4, [])
    people = [await _person(db_sessions, f"T00{n}") for n in range(1, 5)]
    assert {p.stage_since for p in people} == {date(2019, 7, 1)}
    assert people[2].name == "李 四" and people[3].phone == "13800000004"
    assert people[3].org_unit_id == people[0].org_unit_id


async def test_unreadable_files_are_one_clear_error(db_sessions):
    truncated = SAMPLE[: len(SAMPLE) // 2]
    cases = [
        (b"PK\x03\x04 not really a zip", "名册.xlsx", "损坏"),
        (truncated, "名册.xlsx", "损坏"),
        (b"\x00\x01garbage" * 10, "名册.xlsx", "损坏"),
        (b"\xd0\xcf\x11\xe0old excel", "名册.xls", ".xls"),
        (b"%PDF-1.7", "名册.pdf", ".xlsx 和 .csv"),
        (b"x" * (roster_io.MAX_BYTES + 1), "名册.csv", "5 MB"),
        (b"", "名册.csv", "空"),
        (b"\xff\xfe\x00\xd8garbage\x81", "名册.csv", "编码"),
    ]
    for data, filename, words in cases:
        report = await _import(db_sessions, data, filename)
        assert len(report.errors) == 1, (filename, report.errors)
        assert words in report.errors[0].message, (filename, report.errors)
    assert await count_in(db_sessions, Person) == 0


async def test_more_than_five_thousand_rows_is_refused(db_sessions):
    text = _csv(*(_row(工号=f"T{n:05d}") for n in range(roster_io.MAX_ROWS + 1)))
    report = await _import(db_sessions, text)
    assert len(report.errors) == 1 and "5000" in report.errors[0].message
    assert await count_in(db_sessions, Person) == 0


async def test_a_secretary_imports_only_into_their_own_units(db_sessions):
    units = await _units(db_sessions)
    assert (await _import(db_sessions, _csv(_row(工号="T009", 所属组织=GROUP_2)))).created == 1
    scope = frozenset({units[GROUP_1]})
    text = _csv(
        _row(工号="T001"),
        _row(工号="T002", 所属组织=GROUP_2),
        _row(工号="T003", 所属组织=""),
        _row(工号="T009", 所属组织=GROUP_1),  # someone of another group, pulled over
    )
    report = await _import(db_sessions, text, unit_ids=scope)
    assert _errors(report) == [(3, "所属组织"), (4, "所属组织"), (5, "工号")]
    assert await count_in(db_sessions, Person) == 1
    report = await _import(db_sessions, _csv(_row(工号="T001")), unit_ids=scope)
    assert (report.created, report.errors) == (1, [])


def test_the_sample_file_is_what_its_script_writes():
    spec = importlib.util.spec_from_file_location("make_sample", FIXTURES / "make_roster_sample.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    buffer = io.BytesIO()
    script.build().save(buffer)
    assert _read(SAMPLE, "xlsx") == _read(buffer.getvalue(), "xlsx")
