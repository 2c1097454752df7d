"""Photos of a handwritten 思想汇报 are kept: fetched from WeChat before its 3 days are up."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from app.models import AdminRole, Attachment, PoliticalStage
from tests.admission.reports_support import make_activist, reports_of, send_photo
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, oauth_open, run_job
from tests.support.console import add_user, second_browser, sign_in
from tests.support.media import JPEG, send_media
from tests.support.pledges import link_sent_to, send
from tests.support.plugin import Clock

NOW = china(2026, 12, 7, 10)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


async def _kept(client: AppClient) -> list[Attachment]:
    """The reports' photos in the attachment store (fetched or not)."""
    async with client.sessions() as session:
        statement = select(Attachment).where(Attachment.owner_kind == "thought_report")
        return list((await session.exec(statement.order_by(col(Attachment.id)))).all())


async def test_photos_are_kept_and_shown_to_the_console_and_the_contact(
    console: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    [contact] = await add_party_members(console, 1, prefix="c")
    [member] = await add_party_members(console, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await make_activist(
        console, member.person_id, contacts=[contact.person_id], today=NOW.date()
    )
    # What the member's phone uploaded to WeChat with the two image messages.
    await send_media(console.sandbox_app, JPEG, media_id="media-1")
    await send_media(console.sandbox_app, PNG, "image/png", media_id="media-2")
    chat = Chat(console, clock)
    await chat.say(member.openid, "思想汇报")
    await send_photo(chat, member.openid, 1)
    await send_photo(chat, member.openid, 2)
    await chat.say(member.openid, "完成")
    [report] = await reports_of(console, file_id)

    await run_job(console, "attachments.fetch")
    kept = {p.media_id: (p.content, p.content_type) for p in await _kept(console)}
    assert kept == {"media-1": (JPEG, "image/jpeg"), "media-2": (PNG, "image/png")}

    await add_user(console, "admin", AdminRole.ADMIN)
    assert (await sign_in(console, "admin")).status_code == 303
    first = await console.get(f"/admin/admission/reports/{report.id}/photos/1")
    assert first.status_code == 200 and first.content == JPEG
    assert first.headers["content-type"] == "image/jpeg"
    assert (await console.get(f"/admin/admission/reports/{report.id}/photos/3")).status_code == 404

    # The contact's page shows our copies, through the link the notice carried.
    await send(console)
    opened = await oauth_open(console, contact.openid, link_sent_to(console, contact.openid))
    page = await console.get(opened.headers["location"])
    assert f"/m/admission/reports/{report.id}/photos/2" in page.text
    second = await console.get(f"/m/admission/reports/{report.id}/photos/2")
    assert second.status_code == 200 and second.content == PNG
    stranger = second_browser(console)  # no WeChat identity, a made-up link
    forged = await stranger.get(f"/m/admission/reports/{report.id}/photos/2?t=forged")
    assert forged.status_code in {403, 404} and forged.content != PNG


async def test_an_expired_photo_is_tried_once_and_old_reports_are_left(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    [contact] = await add_party_members(client, 1, prefix="c")
    [member] = await add_party_members(client, 1, prefix="a", stage=PoliticalStage.MASSES)
    file_id = await make_activist(
        client, member.person_id, contacts=[contact.person_id], today=NOW.date()
    )
    chat = Chat(client, clock)
    await chat.say(member.openid, "思想汇报")
    await send_photo(chat, member.openid, 1)  # WeChat no longer has media-1 (never registered)
    await chat.say(member.openid, "完成")

    await run_job(client, "attachments.fetch")
    [missed] = await _kept(client)
    assert missed.content is None and missed.attempts == 1 and missed.failure
    clock.advance(300)
    await run_job(client, "attachments.fetch")
    assert (await _kept(client))[0].attempts == 1  # a permanent failure is not tried again

    # Reported more than three days ago: WeChat has forgotten it, nothing is fetched.
    clock.advance(timedelta(days=4).total_seconds())
    await send_media(client.sandbox_app, JPEG, media_id="media-2")
    await chat.say(member.openid, "思想汇报")
    await send_photo(chat, member.openid, 2)
    await chat.say(member.openid, "完成")
    clock.advance(timedelta(days=3, hours=1).total_seconds())
    await run_job(client, "attachments.fetch")
    tried = {p.media_id for p in await _kept(client) if p.attempts}
    assert tried == {"media-1"}
    assert len(await reports_of(client, file_id)) == 2
