"""Schemes in the console: an admin saves a new version for the next period; bad rows refused."""

from __future__ import annotations

from app.models.accounts import AdminRole
from tests.assessments.support import IN_NOVEMBER
from tests.support.app import AppClient
from tests.support.console import add_user, admin_console, post_form, second_browser, sign_in
from tests.support.plugin import Clock

ROW = {"heading_0": "亮身份", "title_0": "参加固定学习日", "rule_0": "study_attendance"}


async def test_an_admin_saves_a_scheme_version_for_the_next_period(
    client: AppClient, clock: Clock
) -> None:
    clock.set(IN_NOVEMBER)
    await admin_console(client)
    page = await client.get("/admin/assessments/schemes")
    assert page.status_code == 200 and "尚未设置" in page.text

    bad = await post_form(client, "/admin/assessments/schemes/month", {**ROW, "weight_0": "0"})
    assert bad.status_code == 400 and "权重应在 0 到 100 之间" in bad.text
    saved = await post_form(
        client,
        "/admin/assessments/schemes/month",
        {**ROW, "weight_0": "3", "好_0": "100", "较好_0": "75", "title_1": "履职表现",
         "heading_1": "亮职责", "weight_1": "2", "好_1": "90"},
    )  # fmt: skip
    assert saved.status_code == 303
    shown = await client.get("/admin/assessments/schemes")
    assert "第 1 版，自 2026-12-01 起" in shown.text and "履职表现" in shown.text
    assert (await post_form(client, "/admin/assessments/schemes/weekly", ROW)).status_code == 404

    # A secretary reads the schemes but may not change them.
    await add_user(client, "sec", AdminRole.SECRETARY)
    secretary = second_browser(client)
    assert (await sign_in(secretary, "sec")).status_code == 303
    assert (await secretary.get("/admin/assessments/schemes")).status_code == 200
    denied = await post_form(secretary, "/admin/assessments/schemes/month", ROW)
    assert denied.status_code == 403
