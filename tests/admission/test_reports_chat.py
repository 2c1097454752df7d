"""思想汇报 from WeChat: text at once, photos then 「完成」, refusals; a photo and other prompts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.models import MeetingKind, PoliticalStage
from tests.admission.reports_support import (
    REPORT_TEXT,
    broadcasts,
    make_activist,
    open_file,
    photos_of,
    recipients,
    reports_of,
    send_photo,
)
from tests.support.app import AppClient
from tests.support.chat import Chat, Member, add_party_members, china, make_meeting
from tests.support.plugin import Clock

NOW = china(2026, 12, 7, 10)
ASK = "请直接回复思想汇报全文，或发送手写稿照片（可多张，10 分钟内），发完回复「完成」。"


async def _activist_with_contact(client: AppClient, clock: Clock) -> tuple[int, Member, Member]:
    clock.set(NOW)
    [contact] = await add_party_members(client, 1, prefix="c")
    [member] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await make_activist(
        client, member.person_id, contacts=[contact.person_id], today=NOW.date()
    )
    return file_id, member, contact


async def test_a_text_report_is_stored_and_the_contact_notified(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    file_id, member, contact = await _activist_with_contact(client, clock)

    reply = await chat.say(member.openid, f"思想汇报 {REPORT_TEXT}")

    assert "已收到您的2026年第4季度思想汇报" in reply and "已通知您的培养联系人" in reply
    [report] = await reports_of(client, file_id)
    assert (report.quarter, report.via, report.content) == ("2026Q4", "chat", REPORT_TEXT)
    [notice] = await broadcasts(client, "admission.report_in:")
    assert notice.key == f"admission.report_in:{report.id}"
    assert await recipients(client, notice) == {contact.person_id}
    assert "思想汇报" in str(notice.message["text"])


async def test_photos_then_done_make_one_report(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    file_id, member, contact = await _activist_with_contact(client, clock)
    openid = member.openid

    assert await chat.say(openid, "思想汇报") == ASK
    assert "已收到第 1 张照片" in await send_photo(chat, openid, 1)
    located = {"MsgType": "location", "Location_X": "31.2", "Location_Y": "121.4", "Scale": "15"}
    place = await chat.callbacks.push(openid, {**located, "MsgId": chat.sandbox.next_msgid()})
    assert (place.reply or {}).get("content") == "请回复文字或发送照片。"
    assert "已收到第 2 张照片" in await send_photo(chat, openid, 2)
    assert await broadcasts(client, "admission.report_in:") == []  # not before 「完成」
    done = await chat.say(openid, "完成")

    assert "2026年第4季度思想汇报（手写稿 2 张照片）" in done
    [report] = await reports_of(client, file_id)
    photos = await photos_of(client, report.id)
    assert [p.media_id for p in photos] == ["media-1", "media-2"]
    assert photos[0].url == "http://mmbiz.qpic.cn/report-1.jpg"
    assert report.content is None
    [notice] = await broadcasts(client, "admission.report_in:")
    assert await recipients(client, notice) == {contact.person_id}
    # The question is closed: a later photo is recorded and nothing is said.
    assert await send_photo(chat, openid, 3) == ""
    assert (await reports_of(client, file_id))[0].photo_count == 2


async def test_asked_alone_the_next_text_is_the_report_and_too_short_is_refused(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    file_id, member, _ = await _activist_with_contact(client, clock)
    openid = member.openid

    assert await chat.say(openid, "思想汇报") == ASK
    short = await chat.say(openid, "本季度表现良好。")
    assert "不少于 50 字" in short and await reports_of(client, file_id) == []
    # The question stays open for the full text.
    assert "已收到您的2026年第4季度思想汇报" in await chat.say(openid, REPORT_TEXT)
    too_long = await chat.say(openid, "思想汇报 " + "学" * 10_001)
    assert "不能超过 10000 字" in too_long
    assert len(await reports_of(client, file_id)) == 1


async def test_someone_not_in_the_pipeline_is_refused_with_the_reason(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(NOW)
    [full] = await add_party_members(client, 1, prefix="f")
    [applicant] = await add_party_members(client, 1, prefix="s", stage=PoliticalStage.MASSES)
    file_id = await open_file(
        client, applicant.person_id, applied_on=NOW.date() - timedelta(days=3), today=NOW.date()
    )
    reason = "您目前不在发展党员培养考察期内，无需提交思想汇报。"

    assert await chat.say(full.openid, f"思想汇报 {REPORT_TEXT}") == reason
    assert await chat.say(full.openid, "思想汇报") == reason
    assert await chat.say(applicant.openid, f"思想汇报 {REPORT_TEXT}") == reason  # 申请人
    assert await reports_of(client, file_id) == []
    assert await send_photo(chat, full.openid, 1) == ""  # no question open: recorded, no reply


async def test_a_photo_or_voice_while_a_leave_reason_is_asked_gets_please_reply_in_text(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 1, 9))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 3, 14), kind=MeetingKind.STUDY_DAY)

    asked = await chat.click(member.openid, "STUDY_LEAVE")
    assert "请直接回复请假原因" in asked
    assert await send_photo(chat, member.openid, 1) == "请回复文字。"
    voice = {"MsgType": "voice", "MediaId": "voice-1", "Format": "amr"}
    spoken = await chat.callbacks.push(member.openid, {**voice, "MsgId": chat.sandbox.next_msgid()})
    assert (spoken.reply or {}).get("content") == "请回复文字。"
    # The leave question is still open: the next text is the reason.
    assert "已提交请假" in await chat.say(member.openid, "出差在外")


async def test_a_tenth_photo_is_refused_and_the_nine_are_handed_in(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    file_id, member, _ = await _activist_with_contact(client, clock)
    await chat.say(member.openid, "思想汇报")
    for number in range(1, 10):
        assert f"已收到第 {number} 张照片" in await send_photo(chat, member.openid, number)
    refused = await send_photo(chat, member.openid, 10)
    assert "最多 9 张照片" in refused and "本张没有收录" in refused
    # Words typed after the photos go with them and hand the report in.
    done = await chat.say(member.openid, "以上为本季度手写思想汇报，请审阅。")
    assert "手写稿 9 张照片" in done
    [report] = await reports_of(client, file_id)
    assert report.photo_count == 9 and report.content == "以上为本季度手写思想汇报，请审阅。"
    assert len(await broadcasts(client, "admission.report_in:")) == 1


async def test_a_burst_of_photos_makes_one_report_with_every_photo(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    # WeChat delivers photos picked together as concurrent callbacks: none may be lost or
    # start a second report.
    file_id, member, _ = await _activist_with_contact(client, clock)
    await chat.say(member.openid, "思想汇报")
    replies = await asyncio.gather(*(send_photo(chat, member.openid, n) for n in range(1, 5)))
    assert sorted(replies) == [
        f"已收到第 {n} 张照片。可继续发送，发完请回复「完成」。" for n in range(1, 5)
    ]
    assert "手写稿 4 张照片" in await chat.say(member.openid, "完成")
    [report] = await reports_of(client, file_id)
    media = sorted(p.media_id or "" for p in await photos_of(client, report.id))
    assert report.photo_count == 4 and media == [f"media-{n}" for n in range(1, 5)]
