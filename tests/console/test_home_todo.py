"""The console's home page is the secretary's to-do list, kept to their own units."""

from __future__ import annotations

import re
from datetime import date

from app.models import AdminRole, Person, PoliticalStage
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, make_meeting
from tests.support.console import add_user, default_units, sign_in
from tests.support.plugin import Clock


async def _probation_ends(client: AppClient, person_id: int, ends: date) -> None:
    async with client.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.probation_ends_on = ends
        session.add(person)
        await session.commit()


def _items(html: str, testid: str) -> list[str]:
    card = html.split(f'data-testid="{testid}"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'data-testid="todo-item">\s*<a href="[^"]+">([^<]+)</a>', card)


async def test_home_lists_meetings_leave_and_probation_of_the_users_units(
    console: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    units = await default_units(console)
    ours = await add_party_members(console, 2, unit_id=units.groups[0], prefix="a")
    theirs = await add_party_members(console, 1, unit_id=units.groups[1], prefix="b")
    novices = await add_party_members(
        console, 3, unit_id=units.groups[0], prefix="n", stage=PoliticalStage.PROBATIONARY
    )
    other_novice = await add_party_members(
        console, 1, unit_id=units.groups[1], prefix="m", stage=PoliticalStage.PROBATIONARY
    )
    await _probation_ends(console, novices[0].person_id, date(2026, 12, 20))  # in 19 days
    await _probation_ends(console, novices[1].person_id, date(2026, 11, 28))  # overdue
    await _probation_ends(console, novices[2].person_id, date(2027, 6, 1))  # far off
    await _probation_ends(console, other_novice[0].person_id, date(2026, 12, 10))
    await make_meeting(
        console, starts_at=china(2026, 12, 5, 14, 30), org_unit_id=units.groups[0], title="一组学习"
    )
    await make_meeting(
        console, starts_at=china(2026, 12, 6, 14, 30), org_unit_id=units.groups[1], title="二组学习"
    )
    await make_meeting(
        console, starts_at=china(2027, 1, 8, 14, 30), org_unit_id=units.groups[0], title="一月学习"
    )
    phone = Chat(console, clock)
    assert "已提交请假" in await phone.say(ours[0].openid, "请假 出差在外")
    assert "已提交请假" in await phone.say(theirs[0].openid, "请假 外地培训")

    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")
    html = (await console.get("/admin/")).text
    assert 'data-testid="todo"' in html
    assert _items(html, "todo-meetings") == ["一组学习"]
    assert _items(html, "todo-leaves") == [f"{ours[0].name}：一组学习"]
    assert _items(html, "todo-probation") == [
        f"{novices[1].name} 预备期 11月28日 满",
        f"{novices[0].name} 预备期 12月20日 满",
    ]
    assert "已到期 3 天" in html and "19 天后" in html
    for absent in ("二组学习", "一月学习", theirs[0].name, other_novice[0].name, novices[2].name):
        assert absent not in html, absent


async def test_home_uses_chinese_punctuation(console: AppClient) -> None:
    from tests.support.console import admin_console

    await admin_console(console)
    html = (await console.get("/admin/")).text
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"[\u4e00-\u9fff][,:;(]|[,:;)][\u4e00-\u9fff]", text), re.findall(
        r".{6}[\u4e00-\u9fff][,:;(].{6}", text
    )
