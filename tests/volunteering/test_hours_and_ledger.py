"""Hours after the activity: proposed, approved once (a change needs its reason), the ledger
.xlsx, the yearly Word certificate, 我的记录, and the REST reads within scope."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import docx
from openpyxl import load_workbook

from app.models import VolunteerActivity, VolunteerSignup
from app.services import audit
from app.services.volunteering import hours, signups
from app.services.volunteering.hours import HoursError
from tests.support.api import create_users
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, oauth_open
from tests.support.console import admin_console, default_units, post_form
from tests.support.plugin import Clock
from tests.volunteering.support import BEFORE, START, make_activity, make_team


async def _approve(
    client: AppClient, activity_id: int, signup_id: int, value: str, reason: str = ""
) -> str:
    page = f"/admin/volunteering/activities/{activity_id}"
    done = await post_form(
        client, f"{page}/hours/{signup_id}", {"hours": value, "reason": reason}, page=page
    )
    assert done.status_code == 303, done.text[:300]
    return (await client.get(page)).text


async def _signup_ids(client: AppClient, activity_id: int) -> dict[int, int]:
    async with client.sessions() as session:
        rows = await signups.of_activity(session, activity_id=activity_id)
        return {r.person_id: r.id or 0 for r in rows}


async def test_hours_are_approved_once_and_fill_the_ledger_and_certificate(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(BEFORE)
    await admin_console(client)
    units = await default_units(client)
    members = await add_party_members(client, 3, unit_id=units.groups[1])
    team = await make_team(client, members, unit_id=units.groups[1])
    activity_id = await make_activity(client, team, hours=3)
    for member in members:
        await chat.say(member.openid, f"报名 {activity_id}")
    scene = f"volunteer:{activity_id}"
    clock.set(START - timedelta(minutes=10))
    await chat.scan(members[0].openid, scene)
    clock.set(START + timedelta(minutes=40))
    await chat.scan(members[1].openid, scene)  # late: 2 h 20 min, proposed 2 h
    ids = await _signup_ids(client, activity_id)
    first, late, absent = (ids[m.person_id] for m in members)

    # Before the end nothing is approved.
    page = await _approve(client, activity_id, first, "3")
    assert "活动结束后才能审批时长" in page

    clock.set(START + timedelta(hours=4))
    page = await _approve(client, activity_id, first, "3")
    assert f"已审批{members[0].name}的服务时长：3 小时" in page
    assert "不能重复审批" in await _approve(client, activity_id, first, "2.5", "改一下")
    over = await _approve(client, activity_id, late, "3.5")
    assert "3.5 小时超过了活动时长（3 小时），请填写原因" in over
    assert "与建议时长不同，请填写调整原因" in await _approve(client, activity_id, late, "2.5")
    assert "服务时长：2 小时" in await _approve(client, activity_id, late, "2")

    # Two organisers approving the absent member at once: one approval stands.
    async def attempt(name: str, value: int) -> str:
        async with client.sessions() as session:
            found = await session.get(VolunteerActivity, activity_id)
            row = await session.get(VolunteerSignup, absent)
            assert found is not None and row is not None
            try:
                await hours.approve(
                    session,
                    activity=found,
                    signup=row,
                    half_hours=value,
                    reason="会后补登记",
                    actor=audit.Actor(id=None, name=name),
                    now=clock(),
                )
            except HoursError as refusal:
                return str(refusal)
            await asyncio.sleep(0.05)
            await session.commit()
            return "approved"

    outcomes = await asyncio.gather(attempt("甲", 2), attempt("乙", 4))
    assert outcomes.count("approved") == 1
    assert any("不能重复审批" in o for o in outcomes)

    # The ledger: per member and per team, and its .xlsx.
    ledger = (await client.get("/admin/volunteering/ledger?year=2026")).text
    assert members[0].name in ledger and "青年志愿服务队" in ledger
    exported = await client.get("/admin/volunteering/ledger/export.xlsx?year=2026")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    people = [row for row in book.worksheets[0].iter_rows(values_only=True)][1:]
    by_name = {row[1]: row for row in people}
    assert by_name[members[0].name][3:] == (1, 3)
    assert by_name[members[1].name][3:] == (1, 2)
    team_row = list(book.worksheets[1].iter_rows(values_only=True))[1]
    assert team_row[0] == "青年志愿服务队" and team_row[1:3] == (1, 3)

    # The certificate: a Word file with the member's name and hours.
    person_page = (await client.get(f"/admin/people/{members[0].person_id}")).text
    link = f"/admin/volunteering/people/{members[0].person_id}/certificate?year=2026"
    assert link.replace("&", "&amp;") in person_page or link in person_page
    got = await client.get(link)
    assert got.status_code == 200 and "wordprocessingml" in got.headers["content-type"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    assert members[0].name in text and "累计服务时长 3 小时" in text and "1 次" in text
    cells = [c.text for t in docx.Document(io.BytesIO(got.content)).tables for c in t._cells]
    assert "社区环境清洁" in cells and "3" in cells

    # The member sees their own hours on 我的记录 and on the activity's page (WeChat login).
    record = await chat.click(members[1].openid, "MY_RECORD")
    assert "今年志愿服务 1 次，累计 2 小时" in record
    mine = await oauth_open(client, members[0].openid, f"/m/volunteering/{activity_id}")
    assert mine.status_code == 200 and 'data-testid="activity-hours"' in mine.text
    assert "您本次志愿服务时长 3 小时" in mine.text and "已于 12月12日 08:50 签到" in mine.text


async def test_rest_reads_within_scope(client: AppClient, clock: Clock, chat: Chat) -> None:
    clock.set(BEFORE)
    users = await create_users(client.app)
    members = await add_party_members(client, 2, unit_id=users.other_group_id)
    team = await make_team(client, members, unit_id=users.other_group_id)
    activity_id = await make_activity(client, team, capacity=1)
    for member in members:
        await chat.say(member.openid, f"报名 {activity_id}")

    listed = await client.get("/api/v1/volunteering/activities", headers=users.admin)
    assert listed.status_code == 200
    [summary] = listed.json()
    assert (summary["taken"], summary["capacity"], summary["waiting"]) == (1, 1, 1)
    detail = await client.get(f"/api/v1/volunteering/activities/{activity_id}", headers=users.admin)
    body = detail.json()
    assert [(s["person_name"], s["status"], s["position"]) for s in body["signups"]] == [
        (members[0].name, "signed", None),
        (members[1].name, "waiting", 1),
    ]
    ledger = await client.get("/api/v1/volunteering/hours?year=2026", headers=users.viewer)
    assert ledger.status_code == 200 and ledger.json() == []

    # The 第一党小组 secretary sees none of 第二党小组's activity; bad ids are refused.
    other = await client.get(
        f"/api/v1/volunteering/activities/{activity_id}", headers=users.secretary
    )
    assert other.status_code == 404
    assert (
        await client.get("/api/v1/volunteering/activities", headers=users.secretary)
    ).json() == []
    too_big = await client.get("/api/v1/volunteering/activities/99999999999", headers=users.admin)
    assert too_big.status_code in (404, 422)
    assert (
        await client.get("/api/v1/volunteering/hours?year=1800", headers=users.admin)
    ).status_code == 422
