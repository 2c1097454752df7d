"""The file page's other forms: contacts picked from full members, documents, half-year
reviews, 延长预备期, 终止发展, the 公示 link, and deadlines in a year without holiday data."""

from __future__ import annotations

from app.models import AdminRole
from tests.admission.console_support import (
    CANDIDATE_HISTORY,
    enter_history,
    file_id_of,
    record,
    step_error,
)
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock

ACTIVIST = {"apply": "2025-12-01", "talk": "2025-12-20", "activist": "2026-02-02"}


async def test_contacts_documents_reviews_and_stopping(console: AppClient, clock: Clock) -> None:
    """Contacts must be full members; a document must be PDF/JPEG/PNG/DOCX; 终止 closes it."""
    clock.set(china(2026, 12, 7, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "A001", "张积极", units.groups[0])
    mentor = await add_person(console, "F001", "老党员", units.groups[0], stage="full")
    masses = await add_person(console, "M001", "普通群众", units.groups[0])
    file_id = await enter_history(console, person, ACTIVIST)
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "老党员（F001）" in page.text and "普通群众（M001）" not in page.text
    # 可确定为发展对象 from 2027-02-02: a year whose holidays are not known yet.
    assert "该年放假安排尚未公布，按周一至周五计算" in page.text

    none = await record(console, file_id, "contacts", "2026-02-10")
    assert none.status_code == 422
    assert step_error(none.text) == "请指定一至两名正式党员作为培养联系人"
    wrong = await record(console, file_id, "contacts", "2026-02-10", people=str(masses))
    assert wrong.status_code == 422 and "普通群众 不是正式党员" in step_error(wrong.text)
    named = await record(console, file_id, "contacts", "2026-02-10", people=str(mentor))
    assert file_id_of(named) == file_id
    page = await console.get(f"/admin/admission/files/{file_id}")
    contacts = page.text.split('data-testid="file-contacts">', 1)[1].split("</dd>", 1)[0]
    assert contacts == "老党员"

    exe = {"document": ("备案表.exe", b"MZ", "application/octet-stream")}
    refused = await record(console, file_id, "activist_filing", "2026-02-20", files=exe)
    assert refused.status_code == 400
    assert "文件只能是 PDF、JPEG、PNG 或 Word（.docx）格式。" in refused.text
    scan = {"document": ("备案表.png", b"\x89PNG scan", "image/png")}
    filed = await record(console, file_id, "activist_filing", "2026-02-20", files=scan)
    assert file_id_of(filed) == file_id
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "备案表.png" in page.text

    early = await post_form(
        console,
        f"/admin/admission/files/{file_id}/reviews",
        {"reviewed_on": "2026-01-10", "summary": "表现良好"},
    )
    assert early.status_code == 422 and "考察日期早于确定为入党积极分子的日期" in early.text
    review = await post_form(
        console,
        f"/admin/admission/files/{file_id}/reviews",
        {"reviewed_on": "2026-08-03", "summary": "学习认真，表现良好"},
    )
    assert review.status_code == 303
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "学习认真，表现良好" in page.text

    await add_user(console, "viewer", AdminRole.VIEWER)
    viewer = second_browser(console)
    assert (await sign_in(viewer, "viewer")).status_code == 303
    seen = await viewer.get(f"/admin/admission/files/{file_id}")
    assert seen.status_code == 200 and "备案表.png" in seen.text
    assert 'data-testid="step-form"' not in seen.text and "终止发展" not in seen.text

    blank = await post_form(console, f"/admin/admission/files/{file_id}/stop", {"reason": " "})
    assert blank.status_code == 422 and "请填写终止的理由" in blank.text
    stopped = await post_form(
        console, f"/admin/admission/files/{file_id}/stop", {"reason": "本人申请撤回"}
    )
    assert stopped.status_code == 303
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "已终止（本人申请撤回）" in page.text and 'data-testid="step-form"' not in page.text
    assert "张积极" not in (await console.get("/admin/admission")).text


async def test_the_notice_link_and_extending_probation(console: AppClient, clock: Clock) -> None:
    """发起公示 once 支部委员会审查 is done; 延长预备期 6–12 months moves the end of probation."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "C001", "王发展", units.groups[0])
    dates = {
        **CANDIDATE_HISTORY,
        "political_review": "2025-06-01",
        "training": "2025-06-10",
        "committee_review": "2025-06-20",
    }
    file_id = await enter_history(console, person, dates)
    page = await console.get(f"/admin/admission/files/{file_id}")
    link = f'href="/admin/admission/files/{file_id}/notices/new?kind=candidate"'
    assert link in page.text and "发起发展党员公示" in page.text

    other = await add_person(console, "P001", "赵预备", units.groups[0])
    probation = {
        **dates,
        "pre_review": "2025-07-01",
        "application_form": "2025-07-05",
        "branch_resolution": "2025-07-10",
        "committee_talk": "2025-07-20",
        "approval": "2025-08-01",
    }
    other_file = await enter_history(console, other, probation)
    short = await post_form(
        console, f"/admin/admission/files/{other_file}/extend", {"months": "4", "reason": "决议"}
    )
    assert short.status_code == 422 and "延长预备期不少于半年" in short.text
    extended = await post_form(
        console,
        f"/admin/admission/files/{other_file}/extend",
        {"months": "6", "reason": "支部大会决议延长预备期"},
    )
    assert extended.status_code == 303
    page = await console.get(f"/admin/admission/files/{other_file}")
    assert "已延长预备期 6 个月，至 2027-01-10。" in page.text
    assert "延长 6 个月" in page.text


async def test_training_and_introducers_through_their_fields(
    console: AppClient, clock: Clock
) -> None:
    """集中培训 needs 3 days or 24 学时 and shows them; 入党介绍人 are exactly two full members."""
    clock.set(china(2026, 6, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    person = await add_person(console, "C001", "王发展", units.groups[0])
    first = await add_person(console, "F001", "老党员", units.groups[0], stage="full")
    second = await add_person(console, "F002", "新党员", units.groups[0], stage="full")
    history = {k: v for k, v in CANDIDATE_HISTORY.items() if k != "introducers"}
    file_id = await enter_history(console, person, history)

    starts = "2026-05-01"
    short = await record(
        console,
        file_id,
        "training",
        "2026-05-02",
        training_starts_on=starts,
        training_ends_on="2026-05-02",
        training_hours="8",
    )
    assert short.status_code == 422
    assert step_error(short.text) == "集中培训不少于三天或二十四学时（本次 2 天、8 学时）"
    trained = await record(
        console,
        file_id,
        "training",
        "2026-05-03",
        training_starts_on=starts,
        training_ends_on="2026-05-03",
        training_hours="24",
    )
    assert file_id_of(trained) == file_id

    one = await record(console, file_id, "introducers", "2026-05-05", people=str(first))
    assert one.status_code == 422
    assert step_error(one.text) == "请指定两名正式党员作为入党介绍人"
    two = await record(
        console, file_id, "introducers", "2026-05-05", people=[str(first), str(second)]
    )
    assert file_id_of(two) == file_id
    page = await console.get(f"/admin/admission/files/{file_id}")
    assert "培训 2026-05-01 至 2026-05-03，24 学时" in page.text
    introducers = page.text.split('data-testid="file-introducers">', 1)[1].split("</dd>", 1)[0]
    assert introducers == "老党员、新党员"
