"""A member records a contribution with evidence from the page the chat opened; an admin
verifies it; the member sees it verified on their page and on 我的记录."""

from __future__ import annotations

import re

from app.models import AdminRole
from tests.contributions.support import (
    NOW,
    PDF,
    PNG,
    TITLE,
    links_in,
    notices_of,
    png,
    stored,
    submit,
)
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, oauth_open
from tests.support.console import add_user, audit_entries, post_form, second_browser, sign_in
from tests.support.plugin import Clock


async def test_recorded_from_the_chat_with_evidence_then_verified(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    chat = Chat(client, clock)
    reply = await chat.say(member.openid, "岗位建功")
    assert "登记岗位建功" in reply and "查看我的岗位建功" in reply
    new_path, mine_path = links_in(reply)
    assert new_path.startswith("/m/contributions/new?t=")

    form = await oauth_open(client, member.openid, new_path)
    assert form.status_code == 200 and 'data-testid="contribution-form"' in form.text
    assert member.name in form.text
    files = [png(), ("files", ("说明.pdf", PDF, "application/pdf"))]
    done = await submit(client, form, files)
    assert done.status_code == 303, done.text[:500]
    mine = await client.get(done.headers["location"])
    assert 'data-testid="saved"' in mine.text and TITLE in mine.text
    assert re.search(r'contribution-status">待核实<', mine.text)
    [evidence_link, _] = re.findall(r'href="(/m/contributions/\d+/evidence/\d+[^"]*)"', mine.text)
    photo = await client.get(evidence_link.replace("&amp;", "&"))
    assert photo.status_code == 200 and photo.content == PNG

    [contribution] = await stored(client)
    assert contribution.recorded_via == "member" and contribution.recorded_by == member.name
    assert str(contribution.benefit) == "120000.00"

    await add_user(client, "admin", AdminRole.ADMIN)
    admin = second_browser(client)
    assert (await sign_in(admin, "admin")).status_code == 303
    pending = await admin.get("/admin/contributions?status=pending")
    assert TITLE in pending.text and 'data-testid="contributions-total">1<' in pending.text
    page_path = f"/admin/contributions/{contribution.id}"
    detail = await admin.get(page_path)
    assert "现场.png" in detail.text and "说明.pdf" in detail.text and "¥120,000.00" in detail.text
    verified = await post_form(
        admin, f"{page_path}/verify", {"note": "经核实属实。"}, page=page_path
    )
    assert verified.status_code == 303
    shown = await admin.get(page_path)
    assert 'data-testid="status">已核实<' in shown.text and "经核实属实。" in shown.text
    assert 'data-testid="verify"' not in shown.text
    [told] = await notices_of(client, contribution.id or 0)
    assert told.message["text"] == f"您登记的岗位建功《{TITLE}》已核实。意见：经核实属实。"

    again = await client.get(mine_path)  # the chat's own link, still OAuth's session
    assert re.search(r'contribution-status">已核实<', again.text) and "经核实属实。" in again.text
    record = await chat.say(member.openid, "我的")
    assert "今年岗位建功 1 项，已核实 1 项。" in record
    [created] = await audit_entries(client, "contribution.create")
    assert created.actor_name == member.name and "证明材料 2 个" in (created.summary or "")
    [verify] = await audit_entries(client, "contribution.verify")
    assert verify.actor_id is not None
    person_page = await admin.get(f"/admin/people/{member.person_id}")
    assert TITLE in person_page.text and "已核实" in person_page.text
