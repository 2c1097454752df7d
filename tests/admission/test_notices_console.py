"""公示 in the console: starting one, the list, objections for admins only (each view audited),
the finding, the Word document, and scope."""

from __future__ import annotations

import io
from datetime import date

import docx

from app.models import AdminRole
from tests.admission.notices_helpers import objections_of, stored_candidate, stored_notice
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock


async def _objection(client: AppClient, notice_id: int, text: str) -> None:
    """An anonymous objection through the member page, as a follower would send it."""
    reader = second_browser(client)
    page = await reader.get(f"/m/admission/notices/{notice_id}")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    sent = await reader.post(
        f"/m/admission/notices/{notice_id}",
        data={"csrf_token": token, "content": text, "named": "0"},
    )
    assert sent.status_code == 303, sent.text[:300]


async def test_an_admin_starts_a_notice_from_the_file(console: AppClient, clock: Clock) -> None:
    clock.set(china(2026, 9, 29, 9))
    file_id = await stored_candidate(console)
    await admin_console(console)
    form_url = f"/admin/admission/files/{file_id}/notices/new?kind=candidate"

    form = await console.get(form_url)

    assert form.status_code == 200
    # The next working day, 5 working days (国庆 off, Saturday 10 October worked), the secretary.
    assert 'value="2026-09-30"' in form.text and 'value="5"' in form.text
    assert 'value="支部书记李书记，党群部门"' in form.text
    assert 'data-testid="notice-ends">2026-10-12<' in form.text
    assert 'data-testid="notice-refusal"' not in form.text
    conversion = await console.get(form_url.replace("candidate", "conversion"))
    assert "请先完成第 22 步「提出转正申请」，再进行预备党员转正公示" in conversion.text
    longer = await console.get(f"{form_url}&starts_on=2026-09-30&working_days=6")
    assert 'data-testid="notice-ends">2026-10-13<' in longer.text

    past = await post_form(
        console,
        f"/admin/admission/files/{file_id}/notices/new",
        {
            "kind": "candidate",
            "starts_on": "2026-09-28",
            "working_days": "5",
            "contact": "党群部门",
        },
    )
    assert past.status_code == 422 and "不能早于今天" in past.text

    fields = {"kind": "candidate", "starts_on": "2026-09-30", "working_days": "5"}
    started = await post_form(
        console,
        f"/admin/admission/files/{file_id}/notices/new",
        fields | {"contact": "支部书记李书记，党群部门"},
    )
    assert started.status_code == 303
    shown = await console.get(started.headers["location"])
    assert "关于张三同志拟发展为中共预备党员的公示" in shown.text
    assert "2026年9月30日至2026年10月12日（5 个工作日）" in shown.text
    assert "/m/admission/notices/" in shown.text

    again = await post_form(
        console,
        f"/admin/admission/files/{file_id}/notices/new",
        fields | {"contact": "党群部门"},
    )
    assert again.status_code == 422 and "不能重复公示" in again.text


async def test_objections_are_for_admins_only_and_every_view_is_audited(
    console: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 9, 29, 9))
    units = await default_units(console)
    file_id = await stored_candidate(console, unit_id=units.groups[0])
    notice_id = await stored_notice(console, file_id, date(2026, 9, 30), date(2026, 9, 29))
    clock.set(china(2026, 10, 9, 10))
    await _objection(console, notice_id, "该同志曾多次迟到早退。")
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "other", AdminRole.SECRETARY, units.groups[1])
    await admin_console(console)

    secretary = second_browser(console)
    await sign_in(secretary, "sec")
    page = await secretary.get(f"/admin/admission/notices/{notice_id}")
    assert page.status_code == 200
    assert "收到的意见（1 条" in page.text and 'data-testid="objections-hidden"' in page.text
    assert "迟到早退" not in page.text and 'data-testid="finding-form"' not in page.text
    assert await audit_entries(console, "admission.view_objections") == []
    listed = await secretary.get("/admin/admission/notices")
    assert "公示中" in listed.text and 'data-testid="notice-unchecked">1<' in listed.text
    board = await secretary.get("/admin/admission")
    assert "公示中，至 10月12日，1 条意见待核实" in board.text  # 国庆 does not count
    [objection] = await objections_of(console, notice_id)
    refused = await post_form(
        secretary,
        f"/admin/admission/notices/{notice_id}/objections/{objection.id}/check",
        {"outcome": "dismissed", "finding": "不实"},
    )
    assert refused.status_code == 403

    outsider = second_browser(console)
    await sign_in(outsider, "other")
    assert (await outsider.get(f"/admin/admission/notices/{notice_id}")).status_code == 404
    assert (await outsider.get(f"/admin/admission/notices/{notice_id}.docx")).status_code == 404
    assert "张三" not in (await outsider.get("/admin/admission/notices")).text

    shown = await console.get(f"/admin/admission/notices/{notice_id}")
    assert "迟到早退" in shown.text and 'data-testid="objector">匿名<' in shown.text
    [viewed] = await audit_entries(console, "admission.view_objections")
    assert viewed.actor_name == "admin" and viewed.target_id == str(notice_id)

    checked = await post_form(
        console,
        f"/admin/admission/notices/{notice_id}/objections/{objection.id}/check",
        {"outcome": "dismissed", "finding": "经向所在部门核实，考勤记录正常。"},
    )
    assert checked.status_code == 303
    after = await console.get(f"/admin/admission/notices/{notice_id}")
    assert "核实结论：反映不实" in after.text and "考勤记录正常" in after.text
    assert 'data-testid="finding-form"' not in after.text
    assert len(await audit_entries(console, "admission.view_objections")) == 2


async def test_the_word_document_downloads(console: AppClient, clock: Clock) -> None:
    clock.set(china(2026, 9, 29, 9))
    file_id = await stored_candidate(console)
    notice_id = await stored_notice(console, file_id, date(2026, 9, 30), date(2026, 9, 29))
    await admin_console(console)

    response = await console.get(f"/admin/admission/notices/{notice_id}.docx")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "张三同志" in text and "2026年9月30日至2026年10月12日" in text
    assert len(await audit_entries(console, "admission.notice_export")) == 1


async def test_a_notice_that_does_not_exist_is_404(console: AppClient) -> None:
    await admin_console(console)
    for path in (
        "/admin/admission/notices/999999",
        "/admin/admission/notices/999999.docx",
        "/admin/admission/files/999999/notices/new",
    ):
        assert (await console.get(path)).status_code == 404, path


async def test_a_notice_into_a_year_without_holidays_is_flagged(
    console: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 18, 9))
    file_id = await stored_candidate(console, committee_on=date(2026, 12, 18))
    notice_id = await stored_notice(console, file_id, date(2026, 12, 28), date(2026, 12, 18))
    await admin_console(console)

    page = await console.get(f"/admin/admission/notices/{notice_id}")

    assert "2026年12月28日至2027年1月1日（5 个工作日）" in page.text
    assert (
        "2027 年放假安排尚未公布，结束日期按周一至周五计算；公布后请在「放假安排」中录入"
        in page.text
    )
    listed = await console.get("/admin/admission/notices")
    assert 'data-testid="notice-state">未开始<' in listed.text
