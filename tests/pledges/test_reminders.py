"""Reminders to those who have not signed, at most N, and the secretary's list at the deadline."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from app.models import (
    BranchRole,
    BranchRoleKind,
    BroadcastRecipient,
    CampaignStatus,
    JobOutcome,
    Person,
    PledgeCampaign,
    PledgeSignature,
    SignatureChannel,
)
from app.services import audit
from app.services.pledges import signing
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, branch_id, china, run_job
from tests.support.console import default_units
from tests.support.pledges import make_campaign, pledge_broadcasts, send, signatures
from tests.support.plugin import Clock

DEADLINE = china(2026, 12, 20, 18)


async def _people_of(client: AppClient, broadcast_id: int) -> dict[int, str]:
    async with client.sessions() as session:
        rows = await session.exec(
            select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
        )
        return {r.person_id: r.status for r in rows.all()}


async def test_reminders_go_every_n_days_to_the_unsigned_only_and_stop_after_n(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    a, b, c = await add_party_members(client, 3)
    campaign_id = await make_campaign(client, deadline=DEADLINE, remind_every_days=3, remind_max=2)
    await send(client)
    await chat.say(a.openid, "我承诺")

    clock.set(china(2026, 12, 4, 9, 29))
    assert (await run_job(client, "pledges.remind")).outcome == JobOutcome.IDLE.value
    clock.set(china(2026, 12, 4, 9, 30))
    run = await run_job(client, "pledges.remind")
    assert run.outcome == JobOutcome.OK.value and "2 人" in (run.detail or "")
    [_, first] = await pledge_broadcasts(client, campaign_id)
    assert first.kind == "pledge_reminder" and first.title.startswith("提醒：")
    assert set(await _people_of(client, first.id or 0)) == {b.person_id, c.person_id}
    await send(client)
    # The same minute again (a second scheduler) does not run at all.
    assert await run_job(client, "pledges.remind") is None
    clock.set(china(2026, 12, 4, 9, 31))
    assert (await run_job(client, "pledges.remind")).outcome == JobOutcome.IDLE.value

    await chat.say(b.openid, "我承诺")
    clock.set(china(2026, 12, 7, 9, 30))
    await run_job(client, "pledges.remind")
    [_, _, second] = await pledge_broadcasts(client, campaign_id)
    assert set(await _people_of(client, second.id or 0)) == {c.person_id}

    clock.set(china(2026, 12, 10, 9, 30))  # a third would exceed remind_max
    assert (await run_job(client, "pledges.remind")).outcome == JobOutcome.IDLE.value
    assert len(await pledge_broadcasts(client, campaign_id)) == 3


async def test_signing_cancels_a_reminder_not_sent_yet(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    clock.set(china(2026, 12, 4, 9, 30))
    await run_job(client, "pledges.remind")  # created, not yet sent

    await chat.say(member.openid, "我承诺")
    await send(client)

    [_, reminder] = await pledge_broadcasts(client, campaign_id)
    assert await _people_of(client, reminder.id or 0) == {member.person_id: "cancelled"}
    sandbox = client.sandbox
    pushes = [d for d in sandbox.deliveries if d.openid == member.openid and d.channel != "reply"]
    assert len(pushes) == 1, pushes  # the prompt only


async def test_after_downtime_only_the_latest_reminder_goes(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE, remind_every_days=2, remind_max=3)
    clock.set(china(2026, 12, 7, 11))  # reminders 1, 2 and 3 all due
    await run_job(client, "pledges.remind")
    kinds = [(b.kind, b.key) for b in await pledge_broadcasts(client, campaign_id)]
    assert kinds == [
        ("pledge_prompt", f"pledge:{campaign_id}:prompt"),
        ("pledge_reminder", f"pledge:{campaign_id}:remind:3"),
    ]


async def test_at_the_deadline_the_secretary_gets_the_list(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    signer, late, secretary = await add_party_members(client, 3)
    unit = await branch_id(client)
    async with client.sessions() as session:
        session.add(
            BranchRole(
                person_id=secretary.person_id,
                org_unit_id=unit,
                role=BranchRoleKind.SECRETARY.value,
            )
        )
        await session.commit()
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    await chat.say(signer.openid, "我承诺")

    clock.set(china(2026, 12, 20, 17, 59))
    assert (await run_job(client, "pledges.close")).outcome == JobOutcome.IDLE.value
    clock.set(china(2026, 12, 20, 18, 0))
    run = await run_job(client, "pledges.close")

    assert run.outcome == JobOutcome.OK.value and "已截止" in (run.detail or "")
    async with client.sessions() as session:
        campaign = await session.get(PledgeCampaign, campaign_id)
        assert campaign is not None and campaign.status == CampaignStatus.CLOSED.value
    notice = (await pledge_broadcasts(client, campaign_id))[-1]
    assert notice.kind == "pledge_deadline"
    assert set(await _people_of(client, notice.id or 0)) == {secretary.person_id}
    assert "已签署 1/3 人" in str(notice.message["text"])
    assert late.name in str(notice.message["text"]) and secretary.name in notice.message["text"]
    assert signer.name not in str(notice.message["text"])
    # No reminder after the deadline, and the job does not close it twice.
    clock.set(china(2026, 12, 21, 9, 30))
    assert (await run_job(client, "pledges.remind")).outcome == JobOutcome.IDLE.value
    assert (await run_job(client, "pledges.close")).outcome == JobOutcome.IDLE.value


async def test_a_voided_signature_makes_room_for_a_new_one(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    await send(client)
    await chat.say(member.openid, "我承诺")
    async with client.sessions() as session:
        [signature] = (await session.exec(select(PledgeSignature))).all()
        await signing.void(
            session,
            signature=signature,
            reason="他人代签",
            actor=audit.SYSTEM,
            now=client.state.clock(),
        )
        await session.commit()

    clock.set(china(2026, 12, 4, 9, 30))
    await run_job(client, "pledges.remind")
    reminder = (await pledge_broadcasts(client, campaign_id))[-1]
    assert set(await _people_of(client, reminder.id or 0)) == {member.person_id}
    await send(client)
    assert "签署成功" in await chat.say(member.openid, "我承诺")
    first, second = await signatures(client, campaign_id)
    assert first.void_reason == "他人代签" and second.voided_at is None


# A partial unique index under concurrency: constraints and locking differ.
@pytest.mark.both_databases
async def test_two_signatures_at_once_leave_one(client: AppClient, clock: Clock) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    campaign_id = await make_campaign(client, deadline=DEADLINE)
    app = client.app

    async def attempt() -> str:
        async with app.state.sessions() as session:
            campaign = await session.get(PledgeCampaign, campaign_id)
            person = await session.get(Person, member.person_id)
            assert campaign is not None and person is not None
            result = await signing.sign(
                session,
                campaign=campaign,
                person=person,
                version_number=1,
                channel=SignatureChannel.PAGE_LINK,
                now=app.state.clock(),
            )
            await session.commit()
            return result.outcome.value

    outcomes = sorted(await asyncio.gather(attempt(), attempt()))
    assert outcomes == ["already", "signed"]
    assert len(await signatures(client, campaign_id)) == 1


async def test_a_groups_campaign_reports_to_the_nearest_secretary_above(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 12, 1, 9))
    units = await default_units(client)
    [secretary] = await add_party_members(client, 1, prefix="s")  # in the branch
    [member] = await add_party_members(client, 1, unit_id=units.groups[0], prefix="g")
    async with client.sessions() as session:
        session.add(
            BranchRole(
                person_id=secretary.person_id,
                org_unit_id=units.branch,
                role=BranchRoleKind.SECRETARY.value,
            )
        )
        await session.commit()
    campaign_id = await make_campaign(client, deadline=DEADLINE, org_unit_id=units.groups[0])

    clock.set(DEADLINE)
    await run_job(client, "pledges.close")

    notice = (await pledge_broadcasts(client, campaign_id))[-1]
    assert notice.kind == "pledge_deadline"
    assert set(await _people_of(client, notice.id or 0)) == {secretary.person_id}
    assert member.name in str(notice.message["text"])
