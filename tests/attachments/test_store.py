"""The shared attachment store: uploads are judged by their bytes, chat photos are kept."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services import attachments
from app.services.attachments import AttachmentRefused
from app.web.media import attachment_response
from tests.support.app import AppClient
from tests.support.chat import china, run_job
from tests.support.media import JPEG, send_media
from tests.support.plugin import Clock

NOW = china(2026, 12, 7, 10)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PDF = b"%PDF-1.7\n" + bytes(range(64))


async def test_uploads_are_judged_by_their_bytes_not_their_name(db_session: AsyncSession) -> None:
    kept = await attachments.upload(
        db_session, owner_kind="t", owner_id=1, filename="现场.png", data=PNG, now=NOW
    )
    assert (kept.content_type, kept.size) == ("image/png", len(PNG))
    for name, data, reason in (
        ("空.jpg", b"", "文件是空的"),
        ("伪装.jpg", b"MZ\x90\x00 not a photo", "只能上传照片"),
        ("证明.pdf", PDF, "只能上传照片"),  # documents only where the feature takes them
        ("大.jpg", JPEG + bytes(attachments.MAX_BYTES), "不能超过 10 MB"),
    ):
        with pytest.raises(AttachmentRefused, match=reason):
            await attachments.upload(
                db_session, owner_kind="t", owner_id=1, filename=name, data=data, now=NOW
            )
    document = await attachments.upload(
        db_session, owner_kind="t", owner_id=1, filename="证明.pdf", data=PDF, now=NOW,
        documents=True,
    )  # fmt: skip
    assert document.content_type == "application/pdf"
    served = attachment_response(document)
    assert served.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")


async def test_a_record_takes_at_most_nine_and_the_same_chat_photo_once(
    db_session: AsyncSession,
) -> None:
    for n in range(8):
        await attachments.from_chat(
            db_session, owner_kind="t", owner_id=2, media_id=f"m{n}", url="", now=NOW
        )
    again = await attachments.from_chat(
        db_session, owner_kind="t", owner_id=2, media_id="m0", url="", now=NOW
    )
    assert await attachments.count(db_session, owner_kind="t", owner_id=2) == 8
    await attachments.upload(
        db_session, owner_kind="t", owner_id=2, filename="a.jpg", data=JPEG, now=NOW
    )
    with pytest.raises(AttachmentRefused, match="最多 9 个"):
        await attachments.upload(
            db_session, owner_kind="t", owner_id=2, filename="b.jpg", data=JPEG, now=NOW
        )
    listed = await attachments.of(db_session, owner_kind="t", owner_ids=[2, 3])
    assert listed[2][0].id == again.id and len(listed[2]) == 9 and listed[3] == []
    # Another record's attachment is not found through this one.
    assert (
        await attachments.get(db_session, attachment_id=again.id or 0, owner_kind="t", owner_id=3)
        is None
    )


async def test_chat_photos_are_fetched_and_an_expired_one_is_tried_once(
    client: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    await send_media(client.sandbox_app, JPEG, media_id="kept-1")
    async with client.sessions() as session:
        for media_id in ("kept-1", "gone-2"):  # WeChat never had gone-2
            await attachments.from_chat(
                session, owner_kind="t", owner_id=7, media_id=media_id,
                url=f"http://mmbiz.qpic.cn/{media_id}.jpg", now=NOW,
            )  # fmt: skip
        await session.commit()

    assert (await run_job(client, "attachments.fetch")).detail == "保存照片 1 张，1 张未能取得"
    clock.advance(300)
    assert (await run_job(client, "attachments.fetch")).detail is None  # nothing left to try
    async with client.sessions() as session:
        kept, gone = (await attachments.of(session, owner_kind="t", owner_ids=[7]))[7]
        full = await attachments.get(
            session, attachment_id=kept.id or 0, owner_kind="t", owner_id=7
        )
        lost = await attachments.get(
            session, attachment_id=gone.id or 0, owner_kind="t", owner_id=7
        )
    assert full is not None and full.content == JPEG and full.size == len(JPEG)
    assert gone.failure and gone.attempts == 1
    # Until kept (or when it cannot be), WeChat's own link is where the photo is.
    missing = attachment_response(lost)
    assert missing.status_code == 302
    assert missing.headers["location"] == "http://mmbiz.qpic.cn/gone-2.jpg"
