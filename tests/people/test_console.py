"""The roster pages: list and search, create and edit with field errors, stage transitions."""

from __future__ import annotations

import re

from app.models import Person
from tests.support.app import AppClient
from tests.support.console import (
    add_person,
    admin_console,
    audit_entries,
    default_units,
    get_person,
    post_form,
)
from tests.support.plugin import count_rows


async def test_list_search_and_filters(console: AppClient) -> None:
    """Search by name or number; filter by stage and binding; no one's phone in full."""
    await admin_console(console)
    units = await default_units(console)
    await add_person(console, "A001", "王建国", units.groups[0], stage="full", phone="13812345678")
    await add_person(console, "A002", "李秀英", units.groups[1], stage="activist")
    page = await console.get("/admin/people")
    assert page.status_code == 200
    assert "王建国" in page.text and "李秀英" in page.text
    assert "13812345678" not in page.text
    assert "王建国" not in (await console.get("/admin/people", params={"q": "李"})).text
    assert "李秀英" in (await console.get("/admin/people", params={"q": "A002"})).text
    by_stage = await console.get("/admin/people", params={"stage": "full"})
    assert "王建国" in by_stage.text and "李秀英" not in by_stage.text
    unbound = await console.get("/admin/people", params={"bound": "no", "page": "x"})
    assert "未绑定" in unbound.text and 'data-testid="people-total">2<' in unbound.text
    home = await console.get("/admin/")
    assert re.search(r'data-testid="members">\s*1\s*<', home.text)
    assert re.search(r'data-testid="unbound-count">\s*2\s*<', home.text)


async def test_create_shows_errors_next_to_fields_then_saves_audited(
    console: AppClient,
) -> None:
    """Blank name, a bad phone and a bad date are reported by field; nothing is saved."""
    await admin_console(console)
    units = await default_units(console)
    bad = {
        "employee_no": "B001",
        "name": "",
        "phone": "call me",
        "stage": "full",
        "stage_since": "2024-13-40",
        "status": "active",
        "org_unit_id": str(units.groups[0]),
    }
    response = await post_form(console, "/admin/people/new", bad, page="/admin/people/new")
    assert response.status_code == 400
    assert 'id="name-error">不能为空<' in response.text
    assert 'id="phone-error">电话号码只能包含数字、空格、+ 和 -<' in response.text
    assert 'id="stage_since-error">日期格式应为' in response.text
    assert 'value="B001"' in response.text  # what was typed stays in the form
    assert await count_rows(console, Person) == 0

    good = {**bad, "name": "周恩", "phone": "13912345678", "stage_since": "2020-07-01"}
    response = await post_form(console, "/admin/people/new", good)
    assert response.status_code == 303
    person_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = await console.get(f"/admin/people/{person_id}")
    assert "周恩" in page.text and "139****5678" in page.text and "13912345678" not in page.text
    (entry,) = await audit_entries(console, "person.create")
    assert entry.before is None and entry.after["name"] == "周恩"
    duplicate = await post_form(console, "/admin/people/new", good)
    assert duplicate.status_code == 400 and "工号 B001 已存在" in duplicate.text


async def test_edit_is_audited_with_before_and_after(console: AppClient) -> None:
    """Editing keeps the phone unless a new one is typed; the audit shows what changed."""
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(console, "C001", "陈明", units.groups[0], phone="13700001111")
    form = await console.get(f"/admin/people/{person_id}/edit")
    assert form.status_code == 200 and "137****1111" in form.text and "13700001111" not in form.text
    changes = {
        "employee_no": "C001",
        "name": "陈明",
        "department": "生产部",
        "post": "班长",
        "is_manager": "on",
        "org_unit_id": str(units.groups[0]),
        "status": "active",
        "phone": "",
    }
    path = f"/admin/people/{person_id}/edit"
    assert (await post_form(console, path, changes)).status_code == 303
    person = await get_person(console, person_id)
    assert person is not None
    assert (person.department, person.is_manager, person.phone) == ("生产部", True, "13700001111")
    (entry,) = await audit_entries(console, "person.update")
    assert entry.before["department"] is None and entry.after["department"] == "生产部"
    detail = await console.get(f"/admin/audit/{entry.id}")
    assert detail.status_code == 200
    assert "生产部" in detail.text and 'data-testid="diff-changed"' in detail.text
    assert "13700001111" not in detail.text  # masked in the audit view too
    bad = await post_form(console, path, {**changes, "name": ""})
    assert bad.status_code == 400 and 'id="name-error"' in bad.text


async def test_stage_transition_is_recorded_and_audited(console: AppClient) -> None:
    """登记阶段变化: dated, with its document; probation ends a year on; going back needs a note."""
    await admin_console(console)
    units = await default_units(console)
    person_id = await add_person(
        console, "D001", "刘洋", units.groups[0], stage="candidate", stage_since="2023-01-01"
    )
    path = f"/admin/people/{person_id}/stage"
    step = {
        "to_stage": "probationary",
        "occurred_on": "2024-07-01",
        "document_ref": "神特党支〔2024〕5号",
        "note": "支部大会通过",
    }
    assert (await post_form(console, path, step)).status_code == 303
    person = await get_person(console, person_id)
    assert person is not None and person.stage == "probationary"
    assert str(person.probation_ends_on) == "2025-07-01"
    page = await console.get(f"/admin/people/{person_id}")
    assert "神特党支〔2024〕5号" in page.text and "发展对象 → 预备党员" in page.text
    (entry,) = await audit_entries(console, "person.stage")
    assert entry.before["stage"] == "candidate" and entry.after["stage"] == "probationary"

    back = {"to_stage": "activist", "occurred_on": "2024-08-01", "note": ""}
    response = await post_form(console, path, back)
    assert response.status_code == 400 and "退回到之前的阶段时必须填写说明" in response.text
    no_date = await post_form(console, path, {"to_stage": "full", "occurred_on": ""})
    assert no_date.status_code == 400 and 'id="occurred_on-error"' in no_date.text
    person = await get_person(console, person_id)
    assert person is not None and person.stage == "probationary"


async def test_unknown_pages_and_people_are_the_console_404(console: AppClient) -> None:
    """A missing person or page is a calm 404 page, not a JSON error."""
    await admin_console(console)
    for path in ("/admin/people/999", "/admin/nothing/here"):
        response = await console.get(path)
        assert response.status_code == 404
        assert "返回首页" in response.text
