"""组织发展 reminders: 7 days before a step is due and once overdue (not daily), the weekly
digest, the quarterly 思想汇报 reminder; quiet hours hold them back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from app.models import PoliticalStage
from app.models.types import CHINA
from app.services import workdays
from app.services.admission import deadlines, dossiers
from tests.admission.reports_support import (
    REPORT_TEXT,
    broadcasts,
    make_activist,
    make_secretary,
    open_file,
    recipients,
    send_photo,
)
from tests.support.app import AppClient
from tests.support.broadcasts import sender_for
from tests.support.chat import Chat, add_party_members, branch_id, china, run_job
from tests.support.console import default_units
from tests.support.plugin import Clock


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA)


async def _talk_due(client: AppClient, file_id: int, today: date) -> date:
    """When the file's 谈话 is due (a month after applying, moved to a working day)."""
    async with client.sessions() as session:
        dossier = await dossiers.load(session, file_id=file_id)
        assert dossier is not None
        found = deadlines.compute(
            dossier, workdays=await workdays.load(session), today=today, review_valid_months=12
        )
    [talk] = [d for d in found if d.key.startswith("talk:")]
    return talk.due


async def test_the_warning_goes_once_a_week_ahead_and_the_overdue_notice_once(
    client: AppClient, clock: Clock
) -> None:
    applied = date(2026, 11, 2)
    clock.set(_at(applied))
    [secretary] = await add_party_members(client, 1, prefix="s")
    await make_secretary(client, secretary.person_id, await branch_id(client))
    [applicant] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await open_file(client, applicant.person_id, applied_on=applied, today=applied)
    due = await _talk_due(client, file_id, applied)

    clock.set(_at(due - timedelta(days=8)))
    await run_job(client, "admission.deadlines")
    assert await broadcasts(client, "admission.") == []
    clock.set(_at(due - timedelta(days=7), 8, 45))  # before ADMISSION_REMINDER_TIME
    await run_job(client, "admission.deadlines")
    assert await broadcasts(client, "admission.") == []
    clock.set(_at(due - timedelta(days=7), 9, 0))
    await run_job(client, "admission.deadlines")
    [warning] = await broadcasts(client, "admission.")
    assert warning.key == f"admission.due:{file_id}:talk:{due.isoformat()}"
    assert await recipients(client, warning) == {secretary.person_id}
    assert "党组织派人谈话" in str(warning.message["text"]) and "还剩 7 天" in str(
        warning.message["text"]
    )
    for days in (6, 3, 0):  # the days that follow: nothing more
        clock.set(_at(due - timedelta(days=days)))
        await run_job(client, "admission.deadlines")
    assert len(await broadcasts(client, "admission.")) == 1

    for days in (1, 2, 5, 9):  # overdue: one notice, not one a day
        clock.set(_at(due + timedelta(days=days)))
        await run_job(client, "admission.deadlines")
    [_, overdue] = await broadcasts(client, "admission.")
    assert overdue.key == f"admission.overdue:{file_id}:talk:{due.isoformat()}"
    assert "已逾期 1 天" in str(overdue.message["text"])
    assert await recipients(client, overdue) == {secretary.person_id}


async def test_the_contact_is_told_about_the_half_yearly_review(
    client: AppClient, clock: Clock
) -> None:
    today = date(2026, 12, 7)
    clock.set(_at(today))
    [contact] = await add_party_members(client, 1, prefix="c")
    [activist] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await make_activist(
        client, activist.person_id, contacts=[contact.person_id], today=today
    )
    # The activist was made a month ago: the 半年考察 is due five months on.
    async with client.sessions() as session:
        dossier = await dossiers.load(session, file_id=file_id)
        assert dossier is not None
        found = deadlines.compute(
            dossier, workdays=await workdays.load(session), today=today, review_valid_months=12
        )
    [review] = [d for d in found if d.key.startswith("review:")]
    clock.set(_at(review.due - timedelta(days=2)))
    await run_job(client, "admission.deadlines")
    [warning] = [b for b in await broadcasts(client, "admission.due:") if ":review:" in b.key]
    # No secretary in the branch: the contact alone (the other role of the step).
    assert await recipients(client, warning) == {contact.person_id}


async def test_the_digest_goes_once_a_week_to_the_secretary_with_something_to_list(
    client: AppClient, clock: Clock
) -> None:
    applied = date(2026, 11, 20)
    clock.set(_at(applied))
    [secretary, idle] = await add_party_members(client, 2, prefix="s")
    await make_secretary(client, secretary.person_id, await branch_id(client))
    [applicant] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    await open_file(client, applicant.person_id, applied_on=applied, today=applied)
    # A Party group with its own secretary and no files: no digest for them.
    await make_secretary(client, idle.person_id, (await default_units(client)).groups[0])

    monday = date(2026, 12, 7)
    clock.set(_at(monday - timedelta(days=1)))  # Sunday: nothing
    await run_job(client, "admission.digest")
    assert await broadcasts(client, "admission.digest:") == []
    clock.set(_at(monday, 9, 5))
    await run_job(client, "admission.digest")
    clock.set(_at(monday, 15, 5))
    await run_job(client, "admission.digest")
    clock.set(_at(monday + timedelta(days=1), 9, 5))
    await run_job(client, "admission.digest")
    [digest] = await broadcasts(client, "admission.digest:")
    assert digest.key == f"admission.digest:{secretary.person_id}:2026-W50"
    assert await recipients(client, digest) == {secretary.person_id}
    text = str(digest.message["text"])
    assert f"{applicant.name}：党组织派人谈话" in text and "还剩" in text

    clock.set(_at(monday + timedelta(days=7), 9, 5))
    await run_job(client, "admission.digest")
    keys = [b.key for b in await broadcasts(client, "admission.digest:")]
    assert keys == [digest.key, f"admission.digest:{secretary.person_id}:2026-W51"]


async def test_the_quarterly_reminder_goes_once_and_not_to_who_handed_in(
    client: AppClient, clock: Clock
) -> None:
    today = date(2026, 11, 16)
    clock.set(_at(today))
    [contact] = await add_party_members(client, 1, prefix="c")
    late, early = await add_party_members(client, 2, prefix="a", stage=PoliticalStage.MASSES)
    for member in (late, early):
        await make_activist(client, member.person_id, contacts=[contact.person_id], today=today)
    await run_job(client, "admission.reports")  # November: not the quarter's last month
    assert await broadcasts(client, "admission.report:") == []

    clock.set(china(2026, 12, 1, 8))
    await Chat(client, clock).say(early.openid, f"思想汇报 {REPORT_TEXT}")
    for day in (1, 2, 15):
        clock.set(_at(date(2026, 12, day)))
        await run_job(client, "admission.reports")
    [reminder] = await broadcasts(client, "admission.report:")
    assert reminder.key == f"admission.report:{late.person_id}:2026Q4"
    assert await recipients(client, reminder) == {late.person_id}
    assert "回复「思想汇报」" in str(reminder.message["text"])

    clock.set(_at(date(2027, 1, 15)))
    await run_job(client, "admission.reports")
    clock.set(_at(date(2027, 3, 2)))
    await run_job(client, "admission.reports")
    keys = [b.key for b in await broadcasts(client, "admission.report:")]
    assert sorted(keys[1:]) == sorted(
        f"admission.report:{p.person_id}:2027Q1" for p in (early, late)
    )


async def test_a_reminder_made_in_quiet_hours_waits_for_them_to_end(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    client: AppClient = await make_client(quiet_hours="08:00-10:00")
    today = date(2026, 12, 1)
    clock.set(_at(today, 7))
    [contact] = await add_party_members(client, 1, prefix="c")
    [member] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    await make_activist(client, member.person_id, contacts=[contact.person_id], today=today)

    clock.set(_at(today, 9, 15))
    await run_job(client, "admission.reports")
    [reminder] = await broadcasts(client, "admission.report:")
    await sender_for(client, clock=clock).run()

    def pushed() -> int:
        return sum(
            1
            for d in client.sandbox.deliveries
            if d.openid == member.openid and d.channel != "reply"
        )

    assert pushed() == 0
    clock.set(_at(today, 10, 1))
    await sender_for(client, clock=clock).run()
    assert pushed() == 1 and reminder.key.endswith(":2026Q4")


async def test_photos_left_without_done_reach_the_contact_all_the_same(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    today = date(2026, 11, 16)
    clock.set(_at(today))
    [contact] = await add_party_members(client, 1, prefix="c")
    [member] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    await make_activist(client, member.person_id, contacts=[contact.person_id], today=today)
    await chat.say(member.openid, "思想汇报")
    await send_photo(chat, member.openid, 1)

    await run_job(client, "admission.reports")  # the member may still be sending photos
    assert await broadcasts(client, "admission.report_in:") == []
    clock.advance(3600)  # the next hourly run: the question has long expired
    await run_job(client, "admission.reports")
    [notice] = await broadcasts(client, "admission.report_in:")
    assert await recipients(client, notice) == {contact.person_id}
