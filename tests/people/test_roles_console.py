"""The person page's 支部职务 and 结对帮学 sections: forms, flashes, rights, scope and CSRF."""

from __future__ import annotations

import re

from sqlmodel import select

from app.models import AdminRole, BranchRole, StudyPair
from tests.support.app import AppClient
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import count_rows


def _ids(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


async def test_roles_section_assigns_refuses_and_removes(console: AppClient) -> None:
    """任职 and 免职 on the person page; a second 支部书记 is refused, naming the current one."""
    await admin_console(console)
    units = await default_units(console)
    wang = await add_person(console, "R001", "王书记", units.groups[0], stage="full")
    li = await add_person(console, "R002", "李党员", units.groups[0], stage="probationary")
    zhao = await add_person(console, "R003", "赵群众", units.groups[0])
    page = f"/admin/people/{wang}"
    first = await console.get(page)
    assert "支部职务" in first.text and "结对帮学" in first.text
    assert "没有担任支部职务" in first.text and 'data-testid="role-form"' in first.text
    # Redrawn after a failed stage form, the page still carries both sections and their forms.
    stage = {"to_stage": "masses", "occurred_on": "2024-01-01"}
    redrawn = await post_form(console, f"{page}/stage", stage, page=page)
    assert redrawn.status_code == 400 and 'data-testid="role-form"' in redrawn.text

    form = {"org_unit_id": str(units.branch), "role": "secretary", "since": "2023-03-01"}
    response = await post_form(console, f"{page}/roles", form, page=page)
    assert response.status_code == 303 and response.headers["location"].endswith("#roles")
    shown = await console.get(page)
    assert "已登记：王书记 任神特新材党支部支部书记。" in shown.text
    assert 'data-testid="branch-roles"' in shown.text and "2023-03-01" in shown.text

    response = await post_form(console, f"/admin/people/{li}/roles", form, page=page)
    assert response.status_code == 303
    refused = await console.get(f"/admin/people/{li}")
    assert "神特新材党支部已有支部书记 王书记（工号 R001），请先免去其职务。" in refused.text
    for bad, message in (
        ({**form, "since": "2023-13-01"}, "任职日期格式应为"),
        ({**form, "org_unit_id": "999999"}, "请从列表中选择组织。"),
        ({**form, "role": "chairman"}, "请从列表中选择职务。"),
    ):
        await post_form(console, f"/admin/people/{li}/roles", bad, page=page)
        assert message in (await console.get(f"/admin/people/{li}")).text

    masses = await console.get(f"/admin/people/{zhao}")
    assert "只有预备党员、正式党员可以担任支部职务" in masses.text
    assert 'data-testid="role-form"' not in masses.text
    await post_form(console, f"/admin/people/{zhao}/roles", form, page=page)
    assert "只有党员" in (await console.get(f"/admin/people/{zhao}")).text
    assert await count_rows(console, BranchRole) == 1

    (role_id,) = _ids(shown.text, rf"{page}/roles/(\d+)/remove")
    response = await post_form(console, f"{page}/roles/{role_id}/remove", {}, page=page)
    assert response.status_code == 303
    after = await console.get(page)
    assert "已免去 王书记 的神特新材党支部支部书记职务。" in after.text
    assert "没有担任支部职务" in after.text and "/remove" not in after.text
    again = await post_form(console, f"{page}/roles/{role_id}/remove", {}, page=page)
    assert again.status_code == 404
    assert [e.action for e in await audit_entries(console, "role.")] == [
        "role.remove",
        "role.assign",
    ]


async def test_pairs_section_creates_lists_and_ends(console: AppClient) -> None:
    """结对 from either side, by list or employee number; both pages list it; 结束 dates it."""
    await admin_console(console)
    units = await default_units(console)
    lead = await add_person(console, "P001", "带学人", units.groups[0], is_manager=True)
    one = await add_person(console, "P002", "学员一", units.groups[0])
    two = await add_person(console, "P003", "学员二", units.groups[1])
    page = f"/admin/people/{lead}"
    form = await console.get(page)
    assert f'<option value="{one}">学员一（P002）</option>' in form.text
    assert f'<option value="{lead}">' not in form.text

    pair = {"side": "leader", "other_id": str(one), "started_on": "2024-03-01"}
    response = await post_form(console, f"{page}/study-pairs", pair, page=page)
    assert response.status_code == 303 and response.headers["location"].endswith("#pairs")
    assert "已登记结对帮学：带学人 带学人，学习人 学员一。" in (await console.get(page)).text
    # From the partner's page, by employee number: the same pair the other way round is refused.
    by_number = {"side": "leader", "employee_no": "P001", "started_on": "2024-04-01"}
    await post_form(console, f"/admin/people/{one}/study-pairs", by_number, page=page)
    partner_page = await console.get(f"/admin/people/{one}")
    assert "学员一 与 带学人 已在结对帮学中（自 2024-03-01）。" in partner_page.text
    assert f'<a href="/admin/people/{lead}">带学人</a>' in partner_page.text
    assert "学习人" in partner_page.text and "进行中" in partner_page.text
    as_partner = {"side": "partner", "employee_no": "P003", "started_on": "2024-05-01"}
    await post_form(console, f"{page}/study-pairs", as_partner, page=page)
    for bad, message in (
        ({**pair, "other_id": str(lead)}, "不能与自己结对。"),
        ({"side": "leader", "started_on": "2024-03-01"}, "请从列表中选择结对的另一方"),
        ({**pair, "employee_no": "NOPE"}, "没有找到这个人员"),
        ({**pair, "started_on": "someday"}, "开始日期格式应为"),
    ):
        await post_form(console, f"{page}/study-pairs", bad, page=page)
        assert message in (await console.get(page)).text, message
    assert await count_rows(console, StudyPair) == 2

    listed = await console.get(page)
    pair_ids = _ids(listed.text, rf"{page}/study-pairs/(\d+)/end")
    assert len(pair_ids) == 2
    end = f"{page}/study-pairs/{pair_ids[-1]}/end"
    await post_form(console, end, {"ended_on": "2024-01-01"}, page=page)
    assert "结束日期不能早于开始日期" in (await console.get(page)).text
    response = await post_form(console, end, {"ended_on": "2024-12-31"}, page=page)
    assert response.status_code == 303
    ended = await console.get(page)
    assert "已结束 带学人 与 学员一 的结对帮学。" in ended.text and "2024-12-31" in ended.text
    assert len(_ids(ended.text, rf"{page}/study-pairs/(\d+)/end")) == 1
    assert [e.action for e in await audit_entries(console, "study_pair.")] == [
        "study_pair.end",
        "study_pair.create",
        "study_pair.create",
    ]
    two_page = await console.get(f"/admin/people/{two}")
    assert (
        f'<a href="/admin/people/{lead}">带学人</a>' in two_page.text and "带学人" in two_page.text
    )


async def test_viewer_gets_403_and_forms_need_csrf(console: AppClient) -> None:
    """A viewer sees the sections without forms and every write is refused; so is a bad token."""
    units = await default_units(console)
    person = await add_person(console, "V001", "张党员", units.groups[0], stage="full")
    other = await add_person(console, "V002", "钱学员", units.groups[0])
    page = f"/admin/people/{person}"
    writes = [
        (f"{page}/roles", {"org_unit_id": str(units.branch), "role": "secretary"}),
        (f"{page}/roles/1/remove", {}),
        (f"{page}/study-pairs", {"side": "leader", "other_id": str(other)}),
        (f"{page}/study-pairs/1/end", {"ended_on": "2024-12-31"}),
    ]
    await admin_console(console)
    for path, data in writes:
        response = await console.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403 and "页面已过期" in response.text, path
    async with second_browser(console) as viewer:
        await add_user(console, "viewer", AdminRole.VIEWER)
        await sign_in(viewer, "viewer")
        shown = await viewer.get(page)
        assert shown.status_code == 200 and "支部职务" in shown.text
        assert 'data-testid="role-form"' not in shown.text
        assert 'data-testid="pair-form"' not in shown.text
        for path, data in writes:
            response = await post_form(viewer, path, data, page=page)
            assert response.status_code == 403 and "只读账号" in response.text, path
    assert await count_rows(console, BranchRole) == 0
    assert await count_rows(console, StudyPair) == 0


async def test_secretary_works_only_within_their_units(console: AppClient) -> None:
    """Outside the secretary's units: 404 for people, roles and pairs; units not offered."""
    units = await default_units(console)
    mine = await add_person(console, "S001", "本组党员", units.groups[0], stage="full")
    buddy = await add_person(console, "S002", "本组学员", units.groups[0])
    theirs = await add_person(console, "S003", "他组党员", units.groups[1], stage="full")
    await admin_console(console)
    branch_role = {"org_unit_id": str(units.branch), "role": "secretary"}
    await post_form(console, f"/admin/people/{mine}/roles", branch_role)
    cross = {"side": "leader", "other_id": str(theirs), "started_on": "2024-03-01"}
    await post_form(console, f"/admin/people/{mine}/study-pairs", cross)
    async with second_browser(console) as secretary:
        await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
        await sign_in(secretary, "sec")
        page = f"/admin/people/{mine}"
        shown = await secretary.get(page)
        # The branch role and the pair with 他组党员 are shown, but neither can be changed here.
        assert "支部书记" in shown.text and "他组党员" in shown.text
        assert "/remove" not in shown.text and "/end" not in shown.text
        assert f'href="/admin/people/{theirs}"' not in shown.text
        assert ">神特新材党支部/第一党小组</option>" in shown.text
        assert ">神特新材党支部</option>" not in shown.text and "（S003）" not in shown.text

        outside = f"/admin/people/{theirs}"
        assert (await secretary.get(outside)).status_code == 404
        group_role = {"org_unit_id": str(units.groups[0]), "role": "group_leader"}
        for path, data in (
            (f"{outside}/roles", group_role),
            (f"{outside}/study-pairs", {"side": "leader", "other_id": str(mine)}),
        ):
            response = await post_form(secretary, path, data, page=page)
            assert response.status_code == 404 and "不在您负责的组织范围内" in response.text
        async with console.sessions() as session:
            role = (await session.exec(select(BranchRole))).one()
            pair = (await session.exec(select(StudyPair))).one()
        assert role is not None and pair is not None
        for path in (f"{page}/roles/{role.id}/remove", f"{page}/study-pairs/{pair.id}/end"):
            response = await post_form(secretary, path, {}, page=page)
            assert response.status_code == 404, path

        await post_form(secretary, f"{page}/roles", branch_role, page=page)
        assert "请从列表中选择组织。" in (await secretary.get(page)).text
        by_number = {"side": "leader", "employee_no": "S003", "started_on": "2024-03-01"}
        await post_form(secretary, f"{page}/study-pairs", by_number, page=page)
        assert "没有找到这个人员" in (await secretary.get(page)).text
        # Within their own group all of it works.
        response = await post_form(secretary, f"{page}/roles", group_role, page=page)
        assert response.status_code == 303
        assert "任神特新材党支部/第一党小组党小组长。" in (await secretary.get(page)).text
        own = {"side": "leader", "other_id": str(buddy), "started_on": "2024-03-01"}
        await post_form(secretary, f"{page}/study-pairs", own, page=page)
        assert "已登记结对帮学" in (await secretary.get(page)).text
    assert await count_rows(console, BranchRole) == 2
    assert await count_rows(console, StudyPair) == 2
