"""From 收到 to 金点子 in the console, the submitter told each decision once; bad amounts refused;
one decision of two at once; reviewers see only theirs; another unit's secretary gets 404."""

from __future__ import annotations

import asyncio

from app.models import AdminRole, SuggestionStatus
from tests.suggestions.support import NOW, decide, notices_to, sent_by_chat, suggestions
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.console import add_user, default_units, post_form, second_browser, sign_in
from tests.support.plugin import Clock


async def _campaign(console: AppClient, name: str = "2026年金点子评选") -> int:
    created = await post_form(console, "/admin/suggestions/campaigns/new", {"name": name})
    assert created.status_code == 303, created.text[:500]
    return int(created.headers["location"].rsplit("/", 1)[1])


async def test_from_received_to_golden_the_submitter_told_once_each(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    units = await default_units(client)
    [member] = await add_party_members(client, 1, unit_id=units.groups[0])
    suggestion = await sent_by_chat(client, chat, member.openid, "熔炼炉余热回收用于冬季供暖。")
    sid = suggestion.id
    assert sid is not None
    await add_user(client, "admin", AdminRole.ADMIN)
    await sign_in(client, "admin")
    campaign = await _campaign(client)

    page = await client.get(f"/admin/suggestions/{sid}")
    assert page.status_code == 200 and "熔炼炉余热回收" in page.text and "收到" in page.text

    assert (await decide(client, sid, "review")).status_code == 303
    adopted = await decide(client, sid, "adopt", estimated_benefit="50,000")
    assert adopted.status_code == 303
    # The same decision again (a double click): refused, clearly, and nobody told twice.
    again = await decide(client, sid, "adopt")
    assert again.status_code == 409 and "现在是「采纳」" in again.text
    assert (await decide(client, sid, "implementing")).status_code == 303
    assert (await decide(client, sid, "implemented")).status_code == 303

    # A benefit typed as text, or negative: refused with a clear message, nothing changed.
    form = {"benefit_basis": "财务部测算表", "verified_by": "李会计"}
    as_text = await decide(client, sid, "verify", verified_benefit="五万元", **form)
    assert as_text.status_code == 400 and "核定效益须为数字" in as_text.text
    negative = await decide(client, sid, "verify", verified_benefit="-100", **form)
    assert negative.status_code == 400 and "核定效益不能为负数" in negative.text
    verified = await decide(client, sid, "verify", verified_benefit="¥48,500.50", **form)
    assert verified.status_code == 303
    awarded = await decide(client, sid, "award", campaign_id=campaign, award="一等奖")
    assert awarded.status_code == 303

    [stored] = await suggestions(client)
    assert stored.status == SuggestionStatus.GOLDEN.value and stored.award == "一等奖"
    assert str(stored.estimated_benefit) == "50000.00"
    assert str(stored.verified_benefit) == "48500.50" and stored.verified_by == "李会计"
    page = await client.get(f"/admin/suggestions/{sid}")
    for step in ("评审中", "采纳", "实施中", "已实施", "效益核定", "金点子", "¥48,500.50"):
        assert step in page.text, step
    assert page.text.count('data-testid="timeline-entry"') == 7  # 收到 and six decisions

    told = await notices_to(client, member.person_id)
    assert [key.split(":")[0] for key, _ in told] == [
        "suggestions.adopt",
        "suggestions.implemented",
        "suggestions.verify",
        "suggestions.award",
    ]
    assert "已被采纳" in told[0][1] and "¥48,500.50" in told[2][1] and "一等奖" in told[3][1]
    person_page = await client.get(f"/admin/people/{member.person_id}")
    assert (stored.number or "-") in person_page.text and "金点子 · 一等奖" in person_page.text
    campaign_page = await client.get(f"/admin/suggestions/campaigns/{campaign}")
    assert "一等奖 1 条" in campaign_page.text and "¥48,500.50" in campaign_page.text


async def test_not_adopted_needs_a_reason_which_the_submitter_reads(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    first = await sent_by_chat(
        client, chat, member.openid, "车间照明全部改为 LED 灯并加装感应开关。"
    )
    second = await sent_by_chat(client, chat, member.openid, "车间照明改为LED灯，加装感应开关。")
    third = await sent_by_chat(client, chat, member.openid, "食堂增设夜班热饭窗口。")
    assert first.id and second.id and third.id
    await add_user(client, "admin", AdminRole.ADMIN)
    await sign_in(client, "admin")

    page = await client.get(f"/admin/suggestions/{second.id}")
    assert 'data-testid="similar"' in page.text and (first.number or "-") in page.text
    merged = await decide(client, second.id, "merge", merge_into=first.id)
    assert merged.status_code == 303

    no_reason = await decide(client, third.id, "reject", reason="  ")
    assert no_reason.status_code == 400 and "请填写不采纳的理由" in no_reason.text
    assert (await decide(client, third.id, "reject", reason="已有夜宵供应。")).status_code == 303
    told = dict(await notices_to(client, member.person_id))
    assert f"与先前的建议 {first.number} 内容相近" in told[f"suggestions.merge:{second.id}"]
    assert "理由：已有夜宵供应。" in told[f"suggestions.reject:{third.id}"]


async def test_two_decisions_at_once_one_stands(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    suggestion = await sent_by_chat(client, chat, member.openid, "压缩空气管网查漏。")
    assert suggestion.id is not None
    for name in ("one", "two"):
        await add_user(client, name, AdminRole.ADMIN)
    first, second = second_browser(client), second_browser(client)
    await sign_in(first, "one")
    await sign_in(second, "two")
    answers = await asyncio.gather(
        decide(first, suggestion.id, "adopt"),
        decide(second, suggestion.id, "reject", reason="暂不具备条件。"),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [303, 409], codes
    loser = next(a for a in answers if a.status_code == 409)
    assert "刚刚已由他人处理" in loser.text or "现在是" in loser.text
    [stored] = await suggestions(client)
    assert stored.status in (SuggestionStatus.ADOPTED.value, SuggestionStatus.REJECTED.value)
    assert len(await notices_to(client, member.person_id)) == 1


async def test_reviewers_and_secretaries_see_only_theirs(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    units = await default_units(client)
    [mine] = await add_party_members(client, 1, unit_id=units.groups[0], prefix="m")
    [theirs] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="t")
    own = await sent_by_chat(client, chat, mine.openid, "设备点检改用手机扫码记录。")
    other = await sent_by_chat(client, chat, theirs.openid, "物流通道重新规划。")
    assert own.id and other.id
    reviewer_id = await add_user(client, "reviewer", AdminRole.VIEWER)
    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    await add_user(client, "sec2", AdminRole.SECRETARY, units.groups[1])

    secretary = second_browser(client)
    await sign_in(secretary, "sec")
    listing = await secretary.get("/admin/suggestions")
    assert (own.number or "-") in listing.text and (other.number or "-") not in listing.text
    assert (await secretary.get(f"/admin/suggestions/{other.id}")).status_code == 404
    assert (await decide(secretary, other.id, "adopt")).status_code == 404
    figures = await secretary.get("/admin/suggestions/figures")
    assert 'data-testid="figure-received-value">1 条' in figures.text
    assigned = await post_form(
        secretary, f"/admin/suggestions/{own.id}/reviewers", {"user_id": reviewer_id},
        page=f"/admin/suggestions/{own.id}",
    )  # fmt: skip
    assert assigned.status_code == 303

    reviewer = second_browser(client)
    await sign_in(reviewer, "reviewer")
    listing = await reviewer.get("/admin/suggestions")
    assert (own.number or "-") in listing.text and (other.number or "-") not in listing.text
    assert (await reviewer.get(f"/admin/suggestions/{other.id}")).status_code == 404
    path = f"/admin/suggestions/{own.id}"
    opinion = await post_form(
        reviewer, f"{path}/opinion", {"opinion": "adopt", "text": "可行"}, page=path
    )
    assert opinion.status_code == 303
    assert (await decide(reviewer, own.id, "adopt")).status_code == 403  # reviews, not decides
    refused = await post_form(
        reviewer, f"/admin/suggestions/{other.id}/opinion", {"opinion": "adopt"}, page=path
    )
    assert refused.status_code == 403
    page = await secretary.get(path)
    assert "建议采纳：可行" in page.text and "reviewer 同志" in page.text

    outsider = second_browser(client)
    await sign_in(outsider, "sec2")
    assert (await outsider.get(path)).status_code == 404
    assert (await outsider.get(f"/admin/suggestions/{other.id}")).status_code == 200
