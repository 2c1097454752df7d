"""The console: record for a person with evidence, the list's filters, the export, editing
while it waits, rejecting with a reason, two admins verifying at once, a secretary's scope."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from app.models import AdminRole
from tests.contributions.support import FIELDS, NOW, PNG, add_contribution, notices_of, stored
from tests.support.app import AppClient
from tests.support.chat import add_party_members
from tests.support.console import (
    add_user,
    audit_entries,
    csrf,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock


async def _signed_in(client: AppClient, username: str) -> AppClient:
    """Another browser, signed in as the user."""
    browser = second_browser(client)
    assert (await sign_in(browser, username)).status_code == 303
    return browser


def _titles(html: str) -> list[str]:
    """The titles the list shows, in order."""
    return re.findall(r'<a class="fw-semibold" href="/admin/contributions/\d+">([^<]+)</a>', html)


async def test_list_filters_export_edit_reject_and_a_secretarys_scope(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    units = await default_units(client)
    [mine] = await add_party_members(client, 1, unit_id=units.groups[0], prefix="m")
    [theirs] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="t")
    await add_user(client, "admin", AdminRole.ADMIN)
    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    admin = await _signed_in(client, "admin")

    # Recorded in the console for a person, with a photo.
    token = await csrf(admin, "/admin/contributions/new")
    form = {**FIELDS, "csrf_token": token, "person_id": str(mine.person_id), "title": "余料回收"}
    form |= {"kind": "savings", "benefit": "3,500.50"}
    made = await admin.post(
        "/admin/contributions/new", data=form, files=[("files", ("现场.png", PNG, "image/png"))]
    )
    assert made.status_code == 303, made.text[:500]
    page_path = made.headers["location"]
    [recorded] = await stored(client)
    assert recorded.recorded_via == "console" and str(recorded.benefit) == "3500.50"
    detail = await admin.get(page_path)
    assert "¥3,500.50" in detail.text and "待核实" in detail.text
    [src] = re.findall(r'<img src="([^"]+)"', detail.text)
    assert (await admin.get(src)).content == PNG

    wrong = await post_form(admin, f"{src}/delete", {}, page=page_path)  # a wrong file goes
    assert wrong.status_code == 303 and (await admin.get(src)).status_code == 404
    [removed] = await audit_entries(client, "contribution.evidence_delete")
    assert (removed.summary or "").endswith("删除证明材料「现场.png」")

    # Edited while it waits (audited), then rejected: a reason is required.
    edited = await post_form(
        admin, f"{page_path}/edit", {**form, "title": "余料回收再利用"}, page=page_path
    )
    assert edited.status_code == 303
    assert (await audit_entries(client, "contribution.update"))[0].summary.endswith(
        "《余料回收再利用》"
    )
    no_reason = await post_form(admin, f"{page_path}/reject", {"note": ""}, page=page_path)
    assert no_reason.status_code == 400 and "不通过时请写明原因。" in no_reason.text
    rejected = await post_form(
        admin, f"{page_path}/reject", {"note": "缺少财务核算。"}, page=page_path
    )
    assert rejected.status_code == 303
    late_edit = await post_form(admin, f"{page_path}/edit", form, page=page_path)
    assert late_edit.status_code == 409 and "不能再修改" in late_edit.text

    await add_contribution(
        client, theirs.person_id, title="轧机攻关", verified=True, benefit="120000"
    )
    await add_contribution(
        client, mine.person_id, title="安全排查", kind="safety", done_on=date(2026, 3, 2)
    )
    everything = await admin.get("/admin/contributions")
    assert _titles(everything.text) == ["轧机攻关", "余料回收再利用", "安全排查"]
    for query, titles in (
        ("status=verified", ["轧机攻关"]),
        ("status=rejected", ["余料回收再利用"]),
        ("kind=safety", ["安全排查"]),
        (f"unit={units.groups[1]}", ["轧机攻关"]),
        (f"unit={units.branch}", ["轧机攻关", "余料回收再利用", "安全排查"]),
        ("start=2026-01-01&end=2026-06-30", ["安全排查"]),
        (f"q={theirs.name}", ["轧机攻关"]),
        ("q=余料", ["余料回收再利用"]),
        ("status=nonsense&unit=abc&start=soon", ["轧机攻关", "余料回收再利用", "安全排查"]),
    ):
        shown = await admin.get(f"/admin/contributions?{query}")
        assert shown.status_code == 200 and _titles(shown.text) == titles, query

    exported = await post_form(admin, "/admin/contributions/export", {"status": "verified"})
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("日期", "结束日期", "工号", "姓名")
    assert [row[6] for row in rows[1:]] == ["轧机攻关"] and rows[1][9] == 120000
    [export] = await audit_entries(client, "contribution.export")
    assert export.summary == "状态：已核实（共 1 条，xlsx）"

    # A secretary sees and acts on their own units' people only: another's is 404 alike.
    sec = await _signed_in(client, "sec")
    assert _titles((await sec.get("/admin/contributions")).text) == ["余料回收再利用", "安全排查"]
    other_id = (await stored(client))[1].id
    assert (await sec.get(f"/admin/contributions/{other_id}")).status_code == 404
    for action in ("verify", "reject", "edit"):
        refused = await post_form(sec, f"/admin/contributions/{other_id}/{action}", {"note": "x"})
        assert refused.status_code == 404, action
    foreign = {**FIELDS, "person_id": str(theirs.person_id)}
    assert (await post_form(sec, "/admin/contributions/new", foreign)).status_code == 404
    sheet = load_workbook(
        io.BytesIO((await post_form(sec, "/admin/contributions/export", {})).content)
    ).active
    assert sheet is not None and [r[6] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "余料回收再利用",
        "安全排查",
    ]
    assert len(await audit_entries(client, "contribution.verify")) == 1  # nothing of the 404s


@pytest.mark.both_databases
async def test_two_admins_verifying_at_once_verify_it_once(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    contribution_id = await add_contribution(client, member.person_id)
    await add_user(client, "one", AdminRole.ADMIN)
    await add_user(client, "two", AdminRole.ADMIN)
    browsers = [await _signed_in(client, name) for name in ("one", "two")]
    path = f"/admin/contributions/{contribution_id}"
    tokens = [await csrf(browser, path) for browser in browsers]
    answers = await asyncio.gather(
        *(
            browser.post(f"{path}/verify", data={"csrf_token": token, "note": ""})
            for browser, token in zip(browsers, tokens, strict=True)
        )
    )
    assert sorted(a.status_code for a in answers) == [303, 409]
    [late] = [a for a in answers if a.status_code == 409]
    assert "同志" in late.text and "处理为「已核实」，不能重复处理。" in late.text
    assert len(await audit_entries(client, "contribution.verify")) == 1
    assert len(await notices_of(client, contribution_id)) == 1


async def test_a_long_list_is_read_fifty_at_a_time(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    for n in range(51):
        await add_contribution(client, member.person_id, title=f"第{n}项改进")
    await add_user(client, "admin", AdminRole.ADMIN)
    admin = await _signed_in(client, "admin")
    first = (await admin.get("/admin/contributions")).text
    assert len(_titles(first)) == 50 and "第 1 / 2 页" in first
    second = (await admin.get("/admin/contributions?page=2")).text
    assert len(_titles(second)) == 1 and "第 2 / 2 页" in second
