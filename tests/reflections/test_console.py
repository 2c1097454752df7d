"""The console: topics and their one announcement, the editorial queue (filters, 选用, the edit
beside the original), a 支部书记's scope, the .xlsx."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.models import AdminRole, Reflection
from tests.reflections.support import NOW, TEXT, broadcasts, get_reflection, make_topic, write
from tests.support.app import AppClient
from tests.support.chat import add_party_members, branch_id
from tests.support.console import add_user, default_units, post_form, second_browser, sign_in
from tests.support.plugin import Clock

EDITED = "立足岗位抓质量，把降本增效落到每一炉钢上。"


async def test_a_topic_is_created_and_announced_once(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    members = await add_party_members(client, 3)
    await add_user(client, "admin", AdminRole.ADMIN)
    assert (await sign_in(client, "admin")).status_code == 303
    form = {
        "title": "我为企业'高质发展'做什么、怎么做", "guidance": "谈做法、谈体会。",
        "opens_on": "2026-12-07", "closes_on": "2026-12-20",
        "org_unit_id": str(await branch_id(client)), "audience": "party_members",
    }  # fmt: skip
    bad = await post_form(
        client, "/admin/reflections/topics/new", form | {"closes_on": "2026-12-01"}
    )
    assert bad.status_code == 400 and "截止时间应晚于开始时间" in bad.text

    created = await post_form(client, "/admin/reflections/topics/new", form)
    assert created.status_code == 303
    page = created.headers["location"]
    assert "征集中" in (await client.get(page)).text
    assert (await post_form(client, f"{page}/announce", {})).status_code == 303
    [notice] = await broadcasts(client, "reflections.topic:")
    assert notice.total == len(members) and "写感悟" in str(notice.message["text"])
    again = await post_form(client, f"{page}/announce", {})
    assert again.status_code == 303 and len(await broadcasts(client, "reflections.topic:")) == 1
    assert "已发布征集通知" in (await client.get(page)).text


async def test_the_queue_selects_and_edits_keeping_the_original_within_scope(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    units = await default_units(client)
    [mine] = await add_party_members(client, 1, unit_id=units.groups[0], prefix="m")
    [theirs] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="t")
    topic = await make_topic(client)
    own = await write(client, topic, mine.person_id)
    other = await write(client, topic, theirs.person_id, "他组的感悟：苦练内功。")
    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(client, "admin", AdminRole.ADMIN)
    sec = second_browser(client)
    assert (await sign_in(sec, "sec")).status_code == 303

    queue = (await sec.get(f"/admin/reflections/topics/{topic}")).text
    assert mine.name in queue and theirs.name not in queue
    assert (await sec.get(f"/admin/reflections/{other}")).status_code == 404
    refused = await post_form(sec, f"/admin/reflections/{other}/decide", {"decision": "select"})
    assert (
        refused.status_code == 404 and (await get_reflection(client, other)).status == "submitted"
    )

    edited = await post_form(sec, f"/admin/reflections/{own}/edit", {"text": EDITED})
    assert edited.status_code == 303
    page = (await sec.get(f"/admin/reflections/{own}")).text
    assert TEXT in page and "<del" in page and "已编辑" not in page  # original beside the edit
    stored = await get_reflection(client, own)
    assert (stored.text, stored.edited_text, stored.edited_by) == (TEXT, EDITED, "sec")
    empty = await post_form(sec, f"/admin/reflections/{own}/edit", {"text": " "})
    assert empty.status_code == 400 and "感悟内容不能为空" in empty.text
    assert (await get_reflection(client, own)).edited_text == EDITED

    chosen = await post_form(sec, f"/admin/reflections/{own}/decide", {"decision": "select"})
    assert chosen.status_code == 303 and (await get_reflection(client, own)).status == "selected"
    listed = (await sec.get(f"/admin/reflections/topics/{topic}?status=selected")).text
    assert "已编辑" in listed and "已选用" in listed
    assert mine.name not in (await sec.get(f"/admin/reflections/topics/{topic}?q=没有这句")).text

    # The 支部书记's export holds their units' authors only; the admin's holds both.
    exported = await sec.get(f"/admin/reflections/topics/{topic}/export.xlsx")
    assert exported.status_code == 200 and "spreadsheetml" in exported.headers["content-type"]
    rows = list(load_workbook(io.BytesIO(exported.content)).active.values)  # type: ignore[union-attr]
    assert [r[1] for r in rows[1:]] == [mine.name]
    assert (rows[1][5], rows[1][6], rows[1][4]) == (TEXT, EDITED, "已选用")
    assert (await sign_in(client, "admin")).status_code == 303
    everything = await client.get(f"/admin/reflections/topics/{topic}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(everything.content)).active.values)  # type: ignore[union-attr]
    assert sorted(r[1] for r in rows[1:]) == sorted([mine.name, theirs.name])


async def test_a_long_queue_is_read_fifty_at_a_time(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    [author] = await add_party_members(client, 1)
    topic = await make_topic(client)
    async with client.sessions() as session:  # 52 reflections, as a busy topic collects
        for n in range(52):
            session.add(
                Reflection(
                    topic_id=topic, person_id=author.person_id, text=f"第{n}篇", created_at=NOW
                )
            )
        await session.commit()
    await add_user(client, "admin", AdminRole.ADMIN)
    assert (await sign_in(client, "admin")).status_code == 303

    first = (await client.get(f"/admin/reflections/topics/{topic}")).text
    assert "感悟（52 篇）" in first and "第 1 / 2 页" in first
    assert first.count('data-testid="reflection-row"') == 50
    second = (await client.get(f"/admin/reflections/topics/{topic}?page=2")).text
    assert second.count('data-testid="reflection-row"') == 2 and "第 2 / 2 页" in second
