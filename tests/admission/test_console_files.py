"""组织发展 in the console: opening a file, walking its steps through the forms, refusals,
scope, 政审 for admins only, history entry, the board and the probation countdown."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from app.models import AdminRole, AdmissionFile, AdmissionStep
from tests.admission.console_support import (
    CANDIDATE_HISTORY,
    enter_history,
    file_id_of,
    open_file,
    record,
    step_error,
)
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    get_person,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows

REVIEW_NOTE = "政审结论：政治历史清楚，家庭成员无问题"


async def steps_of(console: AppClient, file_id: int) -> dict[str, date]:
    """The steps recorded on a file, with their dates."""
    async with console.sessions() as session:
        rows = (
            await session.exec(select(AdmissionStep).where(AdmissionStep.file_id == file_id))
        ).all()
        return {row.code: row.done_on for row in rows}


async def test_an_applicant_is_taken_through_steps_1_to_3(console: AppClient, clock: Clock) -> None:
    """新建发展档案 records step 1; steps 2 and 3 through their forms; the stage moves."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "A001", "张申请", units.groups[0])
    form = await console.get("/admin/admission/new")
    assert form.status_code == 200 and "张申请（A001 · 群众）" in form.text

    file_id = file_id_of(await open_file(console, person, applied_on="2026-03-02"))
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert page.status_code == 200
    assert "已为 张申请 建立发展档案。" in page.text
    assert (await get_person(console, person)).stage == "applicant"  # type: ignore[union-attr]
    # The talk was due a month after the application (2026-04-02): 60 days ago, in red, in words.
    assert "党组织派人谈话" in page.text and "已逾期 60 天" in page.text
    assert "deadline-overdue" in page.text
    board = await console.get("/admin/admission")
    assert "张申请" in board.text and "已逾期 60 天" in board.text

    talk = await record(console, file_id, "talk", "2026-03-20", document_no="谈字〔2026〕1号")
    assert file_id_of(talk) == file_id
    activist = await record(console, file_id, "activist", "2026-04-10", note="支委会研究决定")
    assert file_id_of(activist) == file_id
    assert await steps_of(console, file_id) == {
        "apply": date(2026, 3, 2),
        "talk": date(2026, 3, 20),
        "activist": date(2026, 4, 10),
    }
    assert (await get_person(console, person)).stage == "activist"  # type: ignore[union-attr]
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "谈字〔2026〕1号" in page.text and "支委会研究决定" in page.text
    assert 'data-step="activist_filing"' in page.text  # now available
    board = await console.get("/admin/admission")
    column = board.text.split('data-stage="activist"', 1)[1].split('data-stage="candidate"', 1)[0]
    assert "张申请" in column and "1 人" in column


async def test_steps_against_the_procedure_are_refused_with_the_reason(
    console: AppClient, clock: Clock
) -> None:
    """Out of order, a date before its prerequisite, an applicant under 18: 422, nothing kept."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    young = await add_person(console, "A002", "李年少", units.groups[0])
    refused = await open_file(console, young, birth_date="2010-05-01", applied_on="2026-03-02")
    assert refused.status_code == 422
    assert "申请入党须年满十八周岁" in refused.text and 'value="2010-05-01"' in refused.text
    assert await count_rows(console, AdmissionFile) == 0

    person = await add_person(console, "A001", "张申请", units.groups[0])
    file_id = file_id_of(await open_file(console, person, applied_on="2026-03-02"))
    skipped = await record(console, file_id, "activist", "2026-04-10")
    assert skipped.status_code == 422
    assert step_error(skipped.text) == "请先完成第 2 步「党组织派人谈话」"
    early = await record(console, file_id, "talk", "2026-03-01", document_no="谈字1号")
    assert early.status_code == 422
    assert "早于第 1 步「递交入党申请书」的日期（2026-03-02）" in step_error(early.text)
    assert 'value="谈字1号"' in early.text  # the input is kept
    assert await steps_of(console, file_id) == {"apply": date(2026, 3, 2)}


async def test_another_units_secretary_gets_404_everywhere(
    console: AppClient, clock: Clock
) -> None:
    """The file page, its forms and its exports are 404 for a secretary of another unit."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "A001", "张申请", units.groups[1])
    file_id = file_id_of(await open_file(console, person))
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    sec = second_browser(console)
    assert (await sign_in(sec, "sec")).status_code == 303
    assert (await sec.get(f"/admin/admission/files/{file_id}")).status_code == 404
    assert (await sec.get(f"/admin/admission/files/{file_id}.xlsx")).status_code == 404
    for action in ("steps", "reviews", "extend", "stop"):
        response = await post_form(
            sec, f"/admin/admission/files/{file_id}/{action}", {"code": "talk", "reason": "x"}
        )
        assert response.status_code == 404, action
    board = await sec.get("/admin/admission")
    assert board.status_code == 200 and "张申请" not in board.text
    assert "张申请" not in (await sec.get("/admin/admission/new")).text
    assert await steps_of(console, file_id) == {"apply": date(2026, 3, 2)}


async def test_political_review_is_for_admins_only_and_audited(
    console: AppClient, clock: Clock
) -> None:
    """政审's note and document: admins see them (audited); a secretary and a viewer do not."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "C001", "王发展", units.groups[0])
    file_id = await enter_history(console, person, CANDIDATE_HISTORY)
    big = b"%PDF" + b"0" * (10 * 1024 * 1024)
    too_big = await record(
        console,
        file_id,
        "political_review",
        "2026-05-10",
        note=REVIEW_NOTE,
        files={"document": ("政审.pdf", big, "application/pdf")},
    )
    assert too_big.status_code == 400 and "文件不能超过 10 MB" in too_big.text
    done = await record(
        console,
        file_id,
        "political_review",
        "2026-05-10",
        note=REVIEW_NOTE,
        files={"document": ("政审结论.pdf", b"%PDF-1.4 review", "application/pdf")},
    )
    assert file_id_of(done) == file_id
    views_before = len(await audit_entries(console, "admission.view_political_review"))

    page = await console.get(f"/admin/admission/files/{file_id}")
    assert REVIEW_NOTE in page.text and "政审结论.pdf" in page.text
    views = await audit_entries(console, "admission.view_political_review")
    assert len(views) == views_before + 1 and views[0].actor_name == "admin"
    document = page.text.split('href="/admin/admission/documents/', 1)[1].split('"', 1)[0]
    download = await console.get(f"/admin/admission/documents/{document}")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 review"
    assert len(await audit_entries(console, "admission.view_political_review")) == views_before + 2

    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "viewer", AdminRole.VIEWER)
    for username in ("sec", "viewer"):
        other = second_browser(console)
        assert (await sign_in(other, username)).status_code == 303
        page = await other.get(f"/admin/admission/files/{file_id}")
        assert page.status_code == 200, username
        assert REVIEW_NOTE not in page.text and "政审结论.pdf" not in page.text
        assert "仅管理员可见" in page.text
        assert (await other.get(f"/admin/admission/documents/{document}")).status_code == 404
    assert len(await audit_entries(console, "admission.view_political_review")) == views_before + 2


async def test_history_entry_sets_the_stage_and_lists_the_probation(
    console: AppClient, clock: Clock
) -> None:
    """A paper history through 上级党委审批: 预备党员, its steps marked 历史录入, the countdown."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "P001", "赵预备", units.groups[0])
    dates = {
        **CANDIDATE_HISTORY,
        "political_review": "2025-06-01",
        "training": "2025-06-10",
        "committee_review": "2025-06-20",
        "pre_review": "2025-07-01",
        "application_form": "2025-07-05",
        "branch_resolution": "2025-07-10",
        "committee_talk": "2025-07-20",
        "approval": "2025-08-01",
    }
    form = await console.get("/admin/admission/history")
    assert form.status_code == 200 and "赵预备（P001 · 群众）" in form.text
    file_id = await enter_history(console, person, dates)
    stored = await get_person(console, person)
    assert stored is not None and stored.stage == "probationary"
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "历史录入" in page.text and "2026-07-10" in page.text  # a year from the resolution
    countdown = await console.get("/admin/admission/probation")
    assert "赵预备" in countdown.text and "还剩 39 天" in countdown.text
    assert "未提出" in countdown.text

    missing = await post_form(console, "/admin/admission/history", {"person_id": str(person)})
    assert missing.status_code in (404, 422)  # the person has a file now: not offered again


async def test_the_board_counts_each_stage_and_filters_by_unit(
    console: AppClient, clock: Clock
) -> None:
    """People per stage with their next step; the unit filter keeps that unit's files only."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    first = await add_person(console, "A001", "张申请", units.groups[0])
    second = await add_person(console, "C001", "王发展", units.groups[1])
    file_id_of(await open_file(console, first, applied_on="2026-05-20"))
    await enter_history(console, second, CANDIDATE_HISTORY)

    board = await console.get("/admin/admission")
    assert "发展中 2 人" in board.text
    applicants = board.text.split('data-stage="applicant"', 1)[1].split('data-stage="activist"')[0]
    assert "张申请" in applicants and "1 人" in applicants
    assert (
        "下一步：第 2 步「党组织派人谈话」" in applicants and "还剩 21 天" in applicants
    )  # 2026-06-20 is a Saturday: due Monday 22nd
    candidates = board.text.split('data-stage="candidate"', 1)[1].split(
        'data-stage="probationary"'
    )[0]
    assert "王发展" in candidates and "下一步：第 10 步「进行政治审查」" in candidates
    filtered = await console.get("/admin/admission", params={"unit": str(units.groups[1])})
    assert "王发展" in filtered.text and "张申请" not in filtered.text
    assert "发展中 1 人" in filtered.text
    odd = await console.get("/admin/admission", params={"unit": "99999999999"})
    assert odd.status_code == 200 and "发展中 2 人" in odd.text
