"""廉政谈话记录 in the console: admins only, every view audited, no summary in the trail."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from openpyxl import load_workbook

from app.models import AdminRole, IntegrityTalk, TalkCategory
from app.services import audit
from app.services.talks import records as talk_service
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    csrf,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows

SECRET = "谈话中他说明了报销单据的情况"


def talk_form(person_id: int, /, **changes: str) -> dict[str, str]:
    """A complete, valid talk form as the browser submits it."""
    return {
        "person_id": str(person_id),
        "category": TalkCategory.FINANCE.value,
        "held_on": "2026-03-05",
        "held_by": "王书记、李纪检委员",
        "summary": f"  {SECRET}。\r\n已提醒严格执行财务制度。  ",
        **changes,
    }


async def stored(client: AppClient, talk_id: int) -> IntegrityTalk | None:
    """The talk as stored now."""
    async with client.sessions() as session:
        return await session.get(IntegrityTalk, talk_id)


async def add_talk(client: AppClient, person_id: int, **changes: Any) -> int:
    """A talk recorded through the service (as the system), without going through the pages."""
    values: dict[str, Any] = {
        "person_id": person_id,
        "category": TalkCategory.FINANCE.value,
        "held_on": date(2026, 3, 5),
        "held_by": "王书记",
        "summary": SECRET,
        **changes,
    }
    app = client.app
    async with app.state.sessions() as session:
        talk = await talk_service.record_talk(
            session,
            draft=talk_service.TalkDraft(**values),
            actor=audit.SYSTEM,
            now=app.state.clock(),
        )
        await session.commit()
        assert talk.id is not None
        return talk.id


def field_error(html: str, name: str) -> str:
    """The red text under one field."""
    match = re.search(rf'<div class="field-error" id="{name}-error">([^<]*)<', html)
    return match.group(1) if match else ""


def no_secret(entry: Any) -> None:
    """An audit entry says who, when and which record, never what was said."""
    assert SECRET not in (entry.summary or "")
    for side in (entry.before, entry.after):
        assert side is None or "summary" not in side
        assert SECRET not in repr(side)


async def test_admin_records_a_talk_sees_it_and_edits_it(console: AppClient, clock: Clock) -> None:
    """登记谈话 → the record page; the list shows it; 编辑 saves; create and update are audited."""
    clock.set(china(2026, 3, 10, 9))
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0], department="财务部")
    form = await console.get("/admin/talks/new")
    assert form.status_code == 200
    assert "张三（S001 · 财务部）" in form.text and 'value="2026-03-10"' in form.text
    assert "仅管理员可见" in form.text

    response = await post_form(console, "/admin/talks/new", talk_form(person_id))
    assert response.status_code == 303, response.text[:2000]
    talk_id = int(response.headers["location"].rsplit("/", 1)[1])
    talk = await stored(console, talk_id)
    assert talk is not None and talk.person_id == person_id and talk.category == "finance"
    assert talk.held_on == date(2026, 3, 5) and talk.held_by == "王书记、李纪检委员"
    assert talk.summary == f"{SECRET}。\n已提醒严格执行财务制度。" and talk.created_by == "admin"

    page = await console.get(f"/admin/talks/{talk_id}")
    assert page.status_code == 200
    assert "已登记谈话记录。" in page.text and SECRET in page.text
    assert "工号 S001 · 财务部" in page.text and "王书记、李纪检委员" in page.text
    assert "您（admin）这次查看已记入审计日志" in page.text
    listing = (await console.get("/admin/talks")).text
    assert f'href="/admin/talks/{talk_id}"' in listing and "张三" in listing and "财务" in listing

    edit = await console.get(f"/admin/talks/{talk_id}/edit")
    assert edit.status_code == 200 and SECRET in edit.text
    changed = talk_form(person_id, category="procurement", summary="改为采购岗位的谈话。")
    response = await post_form(console, f"/admin/talks/{talk_id}/edit", changed)
    assert response.status_code == 303 and response.headers["location"] == f"/admin/talks/{talk_id}"
    talk = await stored(console, talk_id)
    assert talk is not None and talk.category == "procurement"
    assert talk.summary == "改为采购岗位的谈话。"
    assert "已保存谈话记录。" in (await console.get(f"/admin/talks/{talk_id}")).text

    [created] = await audit_entries(console, "talk.create")
    assert created.actor_name == "admin" and created.target_type == "integrity_talk"
    assert (
        created.target_id == str(talk_id) and created.summary == "张三（S001） · 财务 · 2026-03-05"
    )
    [updated] = await audit_entries(console, "talk.update")
    assert updated.before["category"] == "finance" and updated.after["category"] == "procurement"
    assert "谈话内容摘要有修改" in (updated.summary or "")
    for entry in await audit_entries(console, "talk."):
        no_secret(entry)


async def test_every_view_list_record_edit_form_and_export_is_audited_with_the_admin(
    console: AppClient, clock: Clock
) -> None:
    """Each look at talk data leaves one entry naming the admin and what was looked at."""
    clock.set(china(2026, 3, 10, 9))
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0])
    talk_id = await add_talk(console, person_id)
    await admin_console(console)

    assert (await console.get("/admin/talks?category=finance&year=2026")).status_code == 200
    [listed] = await audit_entries(console, "talk.list")
    assert listed.actor_name == "admin" and listed.target_type == "integrity_talk"
    assert listed.summary == "岗位类别：财务；年份：2026（共 1 条）"
    await console.get(f"/admin/talks?person={person_id}")
    assert (await audit_entries(console, "talk.list"))[
        0
    ].summary == "谈话对象：张三（S001）（共 1 条）"

    page = await console.get(f"/admin/talks/{talk_id}")
    assert page.status_code == 200
    [viewed] = await audit_entries(console, "talk.view")
    assert viewed.actor_name == "admin" and viewed.target_id == str(talk_id)
    assert viewed.summary == "张三（S001） · 财务 · 2026-03-05"
    # The page shows its own recent views, this one included.
    log = re.search(r'data-testid="talk-log">(.*?)</ul>', page.text, re.S)
    assert log is not None and "admin · 查看" in log.group(1)

    assert (await console.get(f"/admin/talks/{talk_id}/edit")).status_code == 200
    opened = (await audit_entries(console, "talk.view"))[0]
    assert opened.actor_name == "admin" and opened.summary.endswith("（打开编辑）")

    export = await post_form(console, "/admin/talks/export", {"year": "2026"})
    assert export.status_code == 200
    [exported] = await audit_entries(console, "talk.export")
    assert exported.actor_name == "admin" and "年份：2026（共 1 条" in (exported.summary or "")

    # A missing record is a 404 and reads nothing.
    assert (await console.get("/admin/talks/999999")).status_code == 404
    assert len(await audit_entries(console, "talk.view")) == 2
    for entry in await audit_entries(console, "talk."):
        no_secret(entry)


async def test_secretary_and_viewer_get_403_on_every_talk_route(
    console: AppClient, clock: Clock
) -> None:
    """Not an admin: 403 for list, record, form, create, edit and export; nothing changes."""
    clock.set(china(2026, 3, 10, 9))
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0])
    talk_id = await add_talk(console, person_id)
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "viewer", AdminRole.VIEWER)
    for username in ("sec", "viewer"):
        browser = second_browser(console)
        async with browser:
            await sign_in(browser, username)
            home = (await browser.get("/admin/")).text
            assert "廉政谈话记录" not in home and 'href="/admin/talks"' not in home
            for path in (
                "/admin/talks",
                "/admin/talks?year=2026",
                f"/admin/talks/{talk_id}",
                "/admin/talks/new",
                f"/admin/talks/{talk_id}/edit",
            ):
                response = await browser.get(path)
                assert response.status_code == 403, (username, path)
                assert "只有管理员可以使用此页面。" in response.text
                assert SECRET not in response.text
            token = await csrf(browser)
            for path, data in (
                ("/admin/talks/new", talk_form(person_id)),
                (f"/admin/talks/{talk_id}/edit", talk_form(person_id, summary="被改掉了")),
                ("/admin/talks/export", {}),
            ):
                response = await browser.post(path, data={"csrf_token": token, **data})
                assert response.status_code == 403, (username, path)
                assert "只有管理员可以使用此页面。" in response.text
                assert SECRET not in response.text
                assert "spreadsheetml" not in response.headers.get("content-type", "")
    assert await count_rows(console, IntegrityTalk) == 1
    talk = await stored(console, talk_id)
    assert talk is not None and talk.summary == SECRET
    for action in ("talk.list", "talk.view", "talk.export", "talk.update"):
        assert await audit_entries(console, action) == [], action
    assert len(await audit_entries(console, "talk.create")) == 1  # the one set up above


async def test_bad_input_shows_the_chinese_message_and_records_nothing(
    console: AppClient, clock: Clock
) -> None:
    """Each refusal names the field's problem; nothing is stored or audited; edits are kept back."""
    # 07:30 in China is still the day before in UTC: "today" is China's 10 March.
    clock.set(china(2026, 3, 10, 7, 30))
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0])
    cases = [
        ({"person_id": ""}, "person_id", "请选择谈话对象。"),
        ({"person_id": "999999"}, "person_id", "没有找到这个人员，请从列表中选择谈话对象。"),
        ({"category": "canteen"}, "category", "请从列表中选择岗位类别。"),
        ({"held_on": ""}, "held_on", "请填写谈话日期。"),
        ({"held_on": "2026-3-5x"}, "held_on", "日期格式应为 年-月-日，例如 2026-03-05。"),
        ({"held_on": "2026-03-11"}, "held_on", "谈话日期不能晚于今天（2026-03-10）。"),
        ({"held_on": "1926-03-05"}, "held_on", "谈话日期过早，请检查年份。"),
        ({"held_by": "   "}, "held_by", "请填写谈话人。"),
        ({"held_by": "王" * 101}, "held_by", "谈话人最多 100 个字（现有 101 个）。"),
        ({"summary": " \r\n "}, "summary", "请填写谈话内容摘要。"),
        ({"summary": "字" * 5001}, "summary", "谈话内容摘要最多 5000 个字（现有 5001 个）。"),
    ]
    for changes, field, message in cases:
        response = await post_form(console, "/admin/talks/new", talk_form(person_id, **changes))
        assert response.status_code == 400, changes
        assert field_error(response.text, field) == message, changes
        assert 'data-testid="form-errors"' in response.text
    # Several problems at once are all shown.
    response = await post_form(
        console, "/admin/talks/new", talk_form(person_id, held_by="", summary="", held_on="x")
    )
    assert response.status_code == 400
    assert field_error(response.text, "held_by") == "请填写谈话人。"
    assert field_error(response.text, "summary") == "请填写谈话内容摘要。"
    assert field_error(response.text, "held_on").startswith("日期格式应为")
    assert await count_rows(console, IntegrityTalk) == 0
    assert await audit_entries(console, "talk.create") == []

    # Today (China) is fine, and a summary of exactly 5000 characters too.
    response = await post_form(
        console, "/admin/talks/new", talk_form(person_id, held_on="2026-03-10", summary="字" * 5000)
    )
    assert response.status_code == 303
    [talk_id] = [int(response.headers["location"].rsplit("/", 1)[1])]
    response = await post_form(
        console, f"/admin/talks/{talk_id}/edit", talk_form(person_id, held_on="2026-03-12")
    )
    assert response.status_code == 400
    assert field_error(response.text, "held_on") == "谈话日期不能晚于今天（2026-03-10）。"
    talk = await stored(console, talk_id)
    assert talk is not None and talk.held_on == date(2026, 3, 10) and talk.summary == "字" * 5000
    assert await audit_entries(console, "talk.update") == []
    missing = await post_form(console, "/admin/talks/999999/edit", talk_form(person_id))
    assert missing.status_code == 404


async def test_the_export_holds_the_filtered_records_with_a_chinese_header(
    console: AppClient, clock: Clock
) -> None:
    """导出 gives an .xlsx of what the filter shows, newest first; text stays text."""
    clock.set(china(2026, 3, 10, 9))
    units = await default_units(console)
    zhang = await add_person(console, "S001", "张三", units.groups[0], department="财务部")
    li = await add_person(console, "S002", "李四", units.groups[1], department="项目部")
    await add_talk(console, zhang, held_on=date(2025, 6, 1), summary="去年的谈话")
    await add_talk(console, zhang, held_on=date(2026, 1, 8), summary='=HYPERLINK("x")')
    await add_talk(console, li, category="projects", held_on=date(2026, 2, 3), held_by="赵书记")
    await admin_console(console)

    listing = (await console.get("/admin/talks?year=2026")).text
    assert len(re.findall(r'data-testid="talk-row"', listing)) == 2
    assert 'name="year" value="2026"' in listing  # the export button carries the filter
    response = await post_form(console, "/admin/talks/export", {"year": "2026"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:7] == ["谈话日期", "工号", "姓名", "部门", "岗位类别", "谈话人", "谈话内容摘要"]
    assert [(r[0].date(), r[1], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (date(2026, 2, 3), "S002", "李四", "项目部", "项目", "赵书记"),
        (date(2026, 1, 8), "S001", "张三", "财务部", "财务", "王书记"),
    ]
    assert rows[1][6] == SECRET and rows[2][6] == '=HYPERLINK("x")'
    assert sheet.cell(row=3, column=7).data_type == "s"

    everything = await post_form(console, "/admin/talks/export", {})
    whole = load_workbook(io.BytesIO(everything.content)).active
    assert whole is not None and whole.max_row == 4
    assert whole.cell(row=4, column=7).value == "去年的谈话"


async def test_other_console_pages_never_show_talk_summaries(
    console: AppClient, clock: Clock
) -> None:
    """The person page, the roster, home and the audit log hold no talk text, for anyone."""
    clock.set(china(2026, 3, 10, 9))
    units = await default_units(console)
    person_id = await add_person(console, "S001", "张三", units.groups[0])
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "viewer", AdminRole.VIEWER)
    await admin_console(console)
    response = await post_form(console, "/admin/talks/new", talk_form(person_id))
    talk_id = response.headers["location"].rsplit("/", 1)[1]
    await console.get(f"/admin/talks/{talk_id}")
    admin_pages = ["/admin/audit", "/admin/audit?action=talk."]
    admin_pages += [f"/admin/audit/{entry.id}" for entry in await audit_entries(console, "talk.")]
    for path in admin_pages:
        page = await console.get(path)
        assert page.status_code == 200 and SECRET not in page.text, path
    for username in ("admin", "sec", "viewer"):
        browser = second_browser(console)
        async with browser:
            await sign_in(browser, username)
            for path in ("/admin/", "/admin/people", f"/admin/people/{person_id}"):
                page = await browser.get(path)
                assert page.status_code == 200, (username, path)
                assert SECRET not in page.text, (username, path)
