"""The contact reads a 思想汇报 and acknowledges it once: the member page and the console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.models import AdminRole, PoliticalStage, ThoughtReport
from app.services.admission import reports as report_service
from app.services.member_links import MemberLinks
from tests.admission.reports_support import (
    REPORT_TEXT,
    broadcasts,
    make_activist,
    recipients,
    reports_of,
)
from tests.support.app import AppClient
from tests.support.chat import Chat, Member, add_party_members, china, oauth_open
from tests.support.console import add_user, csrf_of, default_units, post_form, sign_in
from tests.support.pledges import link_sent_to, send
from tests.support.plugin import Clock

NOW = china(2026, 12, 7, 10)


async def _handed_in(client: AppClient, clock: Clock) -> tuple[ThoughtReport, Member, Member]:
    """An activist's report handed in from WeChat; (report, reporter, contact)."""
    clock.set(NOW)
    [contact] = await add_party_members(client, 1, prefix="c")
    [member] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await make_activist(
        client, member.person_id, contacts=[contact.person_id], today=NOW.date()
    )
    await Chat(client, clock).say(member.openid, f"思想汇报 {REPORT_TEXT}")
    [report] = await reports_of(client, file_id)
    return report, member, contact


def _ack_form(page: httpx.Response, comment: str) -> dict[str, str]:
    fields = {"csrf_token": csrf_of(page.text), "comment": comment}
    marker = 'name="t" value="'
    if marker in page.text:
        fields["t"] = page.text.split(marker, 1)[1].split('"', 1)[0]
    return fields


async def test_the_contact_acknowledges_once_and_the_reporter_is_told(
    client: AppClient, clock: Clock
) -> None:
    report, member, contact = await _handed_in(client, clock)
    await send(client)
    opened = await oauth_open(client, contact.openid, link_sent_to(client, contact.openid))
    assert opened.status_code == 302
    page = await client.get(opened.headers["location"])
    assert page.status_code == 200
    assert member.name in page.text and REPORT_TEXT in page.text
    assert 'data-testid="ack-form"' in page.text

    path = f"/m/admission/reports/{report.id}/acknowledge"
    done = await client.post(path, data=_ack_form(page, "认识深刻，继续保持。"))
    assert done.status_code == 303
    shown = await client.get(done.headers["location"])
    assert 'data-testid="report-acknowledged"' in shown.text and "认识深刻" in shown.text
    [stored] = await reports_of(client, report.file_id)
    assert stored.acknowledged_by == contact.name and stored.comment == "认识深刻，继续保持。"

    again = await client.post(path, data=_ack_form(page, "再确认一次"))
    assert again.status_code == 409 and f"已由 {contact.name} 于" in again.text
    [told] = await broadcasts(client, "admission.report_ack:")
    assert await recipients(client, told) == {member.person_id}
    assert told.message["text"] == "培养联系人已阅您的思想汇报：认识深刻，继续保持。"


async def test_someone_else_through_oauth_may_not_read_it(client: AppClient, clock: Clock) -> None:
    report, _, _ = await _handed_in(client, clock)
    [stranger] = await add_party_members(client, 1, prefix="x")
    refused = await oauth_open(client, stranger.openid, f"/m/admission/reports/{report.id}")
    assert refused.status_code == 403 and REPORT_TEXT not in refused.text


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the contact."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


def _link(client: AppClient, report_id: int, person_id: int) -> str:
    links = MemberLinks(client.settings.secret_key.get_secret_value())
    return links.path(
        page=report_service.PAGE,
        subject_id=report_id,
        person_id=person_id,
        now=client.state.clock(),
    )


async def test_forged_expired_and_strangers_links_are_refused(
    subscription: AppClient, clock: Clock
) -> None:
    report, _, contact = await _handed_in(subscription, clock)
    [stranger] = await add_party_members(subscription, 1, prefix="x")
    assert report.id is not None
    good = _link(subscription, report.id, contact.person_id)
    page = await subscription.get(good)
    assert page.status_code == 200 and REPORT_TEXT in page.text

    forged = await subscription.get(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    assert forged.status_code == 404 and "链接无效" in forged.text
    other = await subscription.get(_link(subscription, report.id, stranger.person_id))
    assert other.status_code == 403 and REPORT_TEXT not in other.text

    clock.advance(timedelta(days=8).total_seconds())
    expired = await subscription.get(good)
    assert expired.status_code == 400 and "已过期" in expired.text
    posted = await subscription.post(
        f"/m/admission/reports/{report.id}/acknowledge", data=_ack_form(page, "已阅")
    )
    assert posted.status_code == 400
    [stored] = await reports_of(subscription, report.file_id)
    assert stored.acknowledged_at is None


async def test_an_admin_acknowledges_in_the_console_on_the_contacts_behalf(
    console: AppClient, clock: Clock
) -> None:
    report, member, _ = await _handed_in(console, clock)
    units = await default_units(console)
    await add_user(console, "admin", AdminRole.ADMIN)
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[1])
    path = f"/admin/admission/reports/{report.id}"

    assert (await sign_in(console, "sec")).status_code == 303
    assert (await console.get(path)).status_code == 404  # the reporter is in another unit
    refused = await post_form(console, f"{path}/acknowledge", {"comment": "代为确认"})
    assert refused.status_code == 404

    await console.post(
        "/admin/logout", data={"csrf_token": csrf_of((await console.get("/admin/")).text)}
    )
    assert (await sign_in(console, "admin")).status_code == 303
    page = await console.get(path)
    assert page.status_code == 200 and REPORT_TEXT in page.text and member.name in page.text
    empty = await post_form(console, f"{path}/acknowledge", {"comment": " "})
    assert empty.status_code == 400 and "请填写阅读意见" in empty.text
    done = await post_form(console, f"{path}/acknowledge", {"comment": "代为确认：写得很好"})
    assert done.status_code == 303
    [stored] = await reports_of(console, report.file_id)
    assert stored.acknowledged_by == "admin 同志（代）"
    assert "代为确认：写得很好" in (await console.get(path)).text
    twice = await post_form(console, f"{path}/acknowledge", {"comment": "再次"})
    assert twice.status_code == 409
    assert len(await broadcasts(console, "admission.report_ack:")) == 1
