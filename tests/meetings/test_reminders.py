"""Reminders before a meeting and the follow-up after it, as the scheduler's jobs make them."""

from __future__ import annotations

from collections import Counter

from sqlmodel import col, select

from app.jobs.broadcasts import send_due
from app.models import Broadcast, BroadcastRecipient, JobOutcome, LeaveRequest
from app.services import audit
from app.services.meetings import leave as leave_service
from tests.support.chat import add_party_members, china, make_meeting, run_job, runner_for


async def _broadcasts(client):
    async with client.sessions() as session:
        return list((await session.exec(select(Broadcast).order_by(col(Broadcast.id)))).all())


async def _recipients(client, broadcast_id):
    async with client.sessions() as session:
        rows = await session.exec(
            select(BroadcastRecipient.person_id).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        return set(rows.all())


def _phones(client):
    sandbox = client.sandbox
    return Counter(d.openid for d in sandbox.deliveries)


async def _send(client):
    runner = runner_for(client)
    await send_due(runner.ctx, client.state.clock())


async def test_the_day_before_reminder_goes_at_its_minute_to_everyone_invited(client, clock):
    members = await add_party_members(client, 3)
    clock.set(china(2026, 12, 1, 9, 0))
    meeting_id = await make_meeting(
        client, starts_at=china(2026, 12, 5, 14, 30), place="三楼会议室", title="党员固定学习日"
    )

    clock.set(china(2026, 12, 4, 14, 29))
    assert (await run_job(client, "meetings.remind")).outcome == JobOutcome.IDLE.value
    clock.set(china(2026, 12, 4, 14, 30))
    run = await run_job(client, "meetings.remind")

    assert run.outcome == JobOutcome.OK.value and "3 人" in run.detail
    [reminder] = await _broadcasts(client)
    assert reminder.key == f"meeting:{meeting_id}:remind:1d:202612050630"
    assert reminder.created_at == china(2026, 12, 4, 14, 30)
    assert "明天" in reminder.message["text"] and "三楼会议室" in reminder.message["text"]
    assert await _recipients(client, reminder.id) == {m.person_id for m in members}
    await _send(client)
    assert _phones(client) == Counter({m.openid: 1 for m in members})
    # Later runs the same day find it done: one reminder per obligation per person.
    clock.set(china(2026, 12, 4, 14, 31))
    assert (await run_job(client, "meetings.remind")).outcome == JobOutcome.IDLE.value


async def test_the_hour_before_reminder_skips_those_checked_in_or_on_leave(client, clock, chat):
    present, on_leave, pending, others = await add_party_members(client, 4)
    clock.set(china(2026, 12, 1, 9, 0))
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30), checkin_before_minutes=90)
    clock.set(china(2026, 12, 5, 13, 10))
    await chat.click(present.openid, "STUDY_CHECKIN")
    await chat.say(on_leave.openid, "请假 出差")
    await chat.say(pending.openid, "请假 待定")
    async with client.sessions() as session:
        leave = (
            await session.exec(
                select(LeaveRequest).where(LeaveRequest.person_id == on_leave.person_id)
            )
        ).one()
        await leave_service.decide_leave(
            session, request=leave, approve=True, note=None, actor=audit.SYSTEM, now=clock()
        )
        await session.commit()

    clock.set(china(2026, 12, 5, 13, 30))
    await run_job(client, "meetings.remind")

    [reminder] = [b for b in await _broadcasts(client) if b.kind == "reminder"]
    assert ":remind:1h:" in reminder.key
    assert await _recipients(client, reminder.id) == {pending.person_id, others.person_id}


async def test_quiet_hours_move_a_reminder_to_their_end_or_drop_it(make_client, clock):
    client = await make_client(quiet_hours="22:00-07:30")
    await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9, 0))
    early = await make_meeting(client, starts_at=china(2026, 12, 5, 8, 0), title="早会")
    too_early = await make_meeting(client, starts_at=china(2026, 12, 6, 7, 35), title="更早的会")

    clock.set(china(2026, 12, 5, 7, 0))  # 1 h before 08:00 is inside the quiet hours
    await run_job(client, "meetings.remind")
    assert [b.key for b in await _broadcasts(client) if ":1h:" in b.key] == []
    clock.set(china(2026, 12, 5, 7, 30))
    await run_job(client, "meetings.remind")
    assert [b.subject_id for b in await _broadcasts(client) if ":1h:" in b.key] == [early]

    # 07:30 is only 5 minutes before 07:35: that reminder is not sent at all.
    for hour, minute in ((6, 35), (7, 30), (7, 34)):
        clock.set(china(2026, 12, 6, hour, minute))
        await run_job(client, "meetings.remind")
    keys = [b.key for b in await _broadcasts(client) if b.subject_id == too_early]
    assert [k.split(":")[3] for k in keys] == ["1d"]


async def test_after_downtime_only_the_latest_reminder_goes_and_none_once_begun(client, clock):
    await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9, 0))
    soon = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30), title="学习日")
    begun = await make_meeting(client, starts_at=china(2026, 12, 5, 13, 0), title="支委会")

    # The scheduler was down from 12-04 morning until 13:45 on the day: both reminders of the
    # 14:30 meeting were missed, and the 13:00 meeting has begun.
    clock.set(china(2026, 12, 5, 13, 45))
    run = await run_job(client, "meetings.remind")

    reminders = await _broadcasts(client)
    assert [(b.subject_id, b.key.split(":")[3]) for b in reminders] == [(soon, "1h")]
    assert all(b.subject_id != begun for b in reminders)
    assert run.outcome == JobOutcome.OK.value


async def test_a_late_day_before_reminder_holds_back_the_hour_before_one(client, clock):
    await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9, 0))
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    clock.set(china(2026, 12, 5, 13, 10))  # back up 80 minutes before: the 1d one goes late
    await run_job(client, "meetings.remind")
    clock.set(china(2026, 12, 5, 13, 30))  # the 1h one is due, 20 minutes after: not a flood
    run = await run_job(client, "meetings.remind")

    keys = [b.key.split(":")[3] for b in await _broadcasts(client) if b.subject_id == meeting_id]
    assert keys == ["1d"] and "提前 1 小时的提醒：刚提醒过" in run.detail


async def test_a_moved_meeting_is_reminded_at_its_new_time(client, clock):
    from app.services.meetings import meetings as meeting_service

    await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9, 0))
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    clock.set(china(2026, 12, 4, 14, 30))
    await run_job(client, "meetings.remind")
    async with client.sessions() as session:
        meeting = await meeting_service.get(session, meeting_id=meeting_id)
        assert meeting is not None
        draft = meeting_service.draft_of(meeting)
        draft.starts_at = china(2026, 12, 12, 14, 30)
        await meeting_service.update(
            session, meeting=meeting, draft=draft, actor=audit.SYSTEM, now=clock()
        )
        await session.commit()

    clock.set(china(2026, 12, 11, 14, 30))
    await run_job(client, "meetings.remind")

    keys = [b.key for b in await _broadcasts(client)]
    assert [k.rsplit(":", 1)[1] for k in keys] == ["202612050630", "202612120630"]


async def test_the_follow_up_goes_the_next_morning_to_absentees_who_did_not_make_up(
    client, clock, chat
):
    present, made_up, absent, on_leave = await add_party_members(client, 4)
    clock.set(china(2026, 12, 1, 9, 0))
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    clock.set(china(2026, 12, 5, 14, 20))
    await chat.click(present.openid, "STUDY_CHECKIN")
    await chat.say(on_leave.openid, "请假 出差")
    clock.set(china(2026, 12, 5, 20, 0))
    await chat.say(made_up.openid, "补学 已经学习了会议材料")

    clock.set(china(2026, 12, 6, 8, 59))
    assert (await run_job(client, "meetings.follow_up")).outcome == JobOutcome.IDLE.value
    clock.set(china(2026, 12, 6, 9, 0))
    await run_job(client, "meetings.follow_up")

    [followup] = [b for b in await _broadcasts(client) if b.kind == "followup"]
    assert followup.key == f"meeting:{meeting_id}:followup"
    assert await _recipients(client, followup.id) == {absent.person_id, on_leave.person_id}
    assert "补学" in followup.message["text"] and "1 月 4 日前" in followup.message["text"]


async def test_a_follow_up_missed_in_downtime_is_sent_late_but_not_after_the_window(client, clock):
    await add_party_members(client, 2)
    clock.set(china(2026, 11, 1, 9, 0))
    recent = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30), title="近的")
    stale = await make_meeting(client, starts_at=china(2026, 11, 2, 14, 30), title="一个月前")

    clock.set(china(2026, 12, 8, 10, 0))  # down from the 6th to the 8th
    run = await run_job(client, "meetings.follow_up")

    followups = [b.subject_id for b in await _broadcasts(client) if b.kind == "followup"]
    assert followups == [recent] and stale not in followups
    assert run.outcome == JobOutcome.OK.value


async def test_a_meeting_without_reminders_or_follow_up_gets_none(client, clock):
    await add_party_members(client, 2)
    clock.set(china(2026, 12, 1, 9, 0))
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30), remind=False, follow_up=False)
    for moment in (china(2026, 12, 4, 14, 30), china(2026, 12, 5, 13, 30), china(2026, 12, 6, 9)):
        clock.set(moment)
        await run_job(client, "meetings.remind")
        await run_job(client, "meetings.follow_up")
    assert await _broadcasts(client) == []


async def test_cancelling_a_meeting_tells_those_already_reminded(client, clock):
    from tests.support.console import admin_console, post_form

    members = await add_party_members(client, 3)
    clock.set(china(2026, 12, 1, 9, 0))
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    clock.set(china(2026, 12, 4, 14, 30))
    await run_job(client, "meetings.remind")
    await _send(client)
    await admin_console(client)

    response = await post_form(
        client, f"/admin/meetings/{meeting_id}/cancel", {}, page=f"/admin/meetings/{meeting_id}"
    )

    assert response.status_code in (302, 303)
    [notice] = [b for b in await _broadcasts(client) if b.key.endswith(":cancelled")]
    assert await _recipients(client, notice.id) == {m.person_id for m in members}
    assert "已取消" in notice.message["text"]
    # The cancellation is urgent: the app's own sender took it at once; let it finish (its
    # turns come from the shared limiter in Redis, a round trip each) before the scheduler's.
    await client.state.broadcasts.drain(10)
    await _send(client)
    assert _phones(client) == Counter({m.openid: 2 for m in members})
    # Nothing more for a cancelled meeting: no hour-before reminder, no follow-up.
    for moment in (china(2026, 12, 5, 13, 30), china(2026, 12, 6, 9, 0)):
        clock.set(moment)
        await run_job(client, "meetings.remind")
        await run_job(client, "meetings.follow_up")
    assert len(await _broadcasts(client)) == 2
