"""The secretary reviews and signs off; each member sees only their own sheet, told once."""

from __future__ import annotations

import asyncio
import re

from sqlmodel import col, select

from app.models import AssessmentPeriod, AssessmentSheet, Broadcast, PeriodStatus
from app.models.accounts import AdminRole
from app.services import audit
from app.services.assessments import filling, review
from tests.assessments.support import DECEMBER_FIRST, default_scheme
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, oauth_open
from tests.support.console import (
    add_user,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock


async def _filled(client: AppClient) -> int:
    """The default scheme, November's sheets filled; the period's id."""
    async with client.sessions() as session:
        await default_scheme(session)
        await filling.run_due(session, now=DECEMBER_FIRST)
        await session.commit()
        period = (
            await session.exec(
                select(AssessmentPeriod).order_by(col(AssessmentPeriod.starts_on).desc())
            )
        ).first()
        assert period is not None and period.id is not None
        return period.id


async def _sheet_of(client: AppClient, period_id: int, person_id: int) -> int:
    """The person's sheet id in the period."""
    async with client.sessions() as session:
        sheet = (
            await session.exec(
                select(AssessmentSheet).where(
                    AssessmentSheet.period_id == period_id, AssessmentSheet.person_id == person_id
                )
            )
        ).one()
        return sheet.id or 0


async def test_review_sign_off_once_and_each_member_sees_only_their_own(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(DECEMBER_FIRST)
    units = await default_units(client)
    mine, colleague = await add_party_members(client, 2, unit_id=units.groups[0], prefix="a")
    [other] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="b")
    period_id = await _filled(client)
    sheet_id = await _sheet_of(client, period_id, mine.person_id)

    # The secretary sees their group's sheets only, and adjusts with a required reason.
    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    secretary = second_browser(client)
    assert (await sign_in(secretary, "sec")).status_code == 303
    listing = await secretary.get(f"/admin/assessments/periods/{period_id}")
    assert mine.name in listing.text and colleague.name in listing.text
    assert other.name not in listing.text
    other_sheet = await _sheet_of(client, period_id, other.person_id)
    assert (await secretary.get(f"/admin/assessments/sheets/{other_sheet}")).status_code == 404
    page = await secretary.get(f"/admin/assessments/sheets/{sheet_id}")
    entry_id = re.search(r"/entries/(\d+)/adjust", page.text)
    assert entry_id is not None
    adjust = f"/admin/assessments/sheets/{sheet_id}/entries/{entry_id.group(1)}/adjust"
    refused = await post_form(secretary, adjust, {"value": "95", "reason": " "})
    assert refused.status_code == 400 and "必须填写理由" in refused.text
    done = await post_form(secretary, adjust, {"value": "95", "reason": "带头完成攻关任务"})
    assert done.status_code == 303
    shown = (await secretary.get(f"/admin/assessments/sheets/{sheet_id}")).text
    assert "带头完成攻关任务" in shown and 'data-testid="original"' in shown
    # Another group's member in the period: the secretary cannot sign off for everyone.
    signing = f"/admin/assessments/periods/{period_id}/sign-off"
    assert (await post_form(secretary, signing, {})).status_code == 403

    # Two sign-offs at once: one signs, the members are told once each.
    async def attempt() -> bool:
        async with client.sessions() as session:
            period = await session.get(AssessmentPeriod, period_id)
            assert period is not None
            signed = await review.sign_off(
                session, period=period, actor=audit.SYSTEM, settings=client.settings,
                now=DECEMBER_FIRST,
            )  # fmt: skip
            await session.commit()
            return signed

    assert sorted(await asyncio.gather(attempt(), attempt())) == [False, True]
    async with client.sessions() as session:
        told = (
            await session.exec(select(Broadcast).where(Broadcast.kind == "assessment_signed"))
        ).all()
        assert len(told) == 3
        period = await session.get(AssessmentPeriod, period_id)
        assert period is not None and period.status == PeriodStatus.SIGNED.value
    refused = await post_form(secretary, adjust, {"value": "60", "reason": "再改"})
    assert refused.status_code == 409 and "已签发" in refused.text

    # 「我的考核」 in the chat: the member's own latest sheet, behind WeChat's OAuth.
    reply = await chat.say(mine.openid, "我的考核")
    assert "2026年11月考核结果已签发" in reply and f"/m/assessments/{sheet_id}" in reply
    own = await oauth_open(client, mine.openid, f"/m/assessments/{sheet_id}")
    assert own.status_code == 200 and mine.name in own.text and colleague.name not in own.text
    assert "带头完成攻关任务" in own.text

    # The member's statement; a review asked once.
    form = {"csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"', own.text)[0]}
    said = await client.post(
        f"/m/assessments/{sheet_id}/statement", data={**form, "text": "本月按时参加学习。"}
    )
    assert said.status_code == 303
    asked = await client.post(
        f"/m/assessments/{sheet_id}/review", data={**form, "text": "志愿时长漏记"}
    )
    assert asked.status_code == 303
    again = await client.post(
        f"/m/assessments/{sheet_id}/review", data={**form, "text": "再次申请"}
    )
    assert again.status_code == 409 and "已申请过复核" in again.text
    listing = await secretary.get(f"/admin/assessments/periods/{period_id}")
    assert 'data-testid="review-request"' in listing.text and "志愿时长漏记" in listing.text

    # Another member's sheet id: refused, and the attempt is in the audit log.
    theirs = await _sheet_of(client, period_id, colleague.person_id)
    peek = await client.get(f"/m/assessments/{theirs}")
    assert peek.status_code == 403 and colleague.name not in peek.text
    [entry] = await audit_entries(client, "assessments.sheet_refused")
    assert mine.name in entry.actor_name and entry.target_id == str(theirs)
    # A forged link names nobody.
    forged = await second_browser(client).get(f"/m/assessments/{sheet_id}?t=forged")
    assert forged.status_code in (302, 404)
