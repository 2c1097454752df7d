"""Keep our own copy of each photo members send in the chat before WeChat's expires (3 days)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services import attachments
from app.wechat.errors import TransientError, WeChatError


@job("attachments.fetch", "保存党员在对话中发来的照片", timedelta(minutes=5))
async def fetch(ctx: JobContext, now: datetime) -> str | None:
    """Download each chat photo not kept yet.

    The downloads run outside any transaction: one unit of work finds what is wanted, and
    each photo is stored in its own, so a slow or failing download holds no lock."""
    async with unit_of_work(ctx.sessions) as session:
        todo = await attachments.wanted(session, now=now)
    kept = missed = 0
    for attachment_id in todo:
        async with unit_of_work(ctx.sessions) as session:
            media_id = await attachments.media_id_of(session, attachment_id=attachment_id)
        if not media_id:
            continue
        media, failure, permanent = None, "", False
        try:
            media = await ctx.client.download_media(media_id)
        except TransientError as exc:  # timed out, WeChat busy: tried again next run
            failure = str(exc)
        except WeChatError as exc:  # expired or unknown: WeChat will never have it again
            failure, permanent = str(exc), True
        async with unit_of_work(ctx.sessions) as session:
            if media is not None:
                await attachments.keep(
                    session,
                    attachment_id=attachment_id,
                    content=media.content,
                    content_type=media.content_type,
                    now=now,
                )
                kept += 1
            else:
                await attachments.missed(
                    session, attachment_id=attachment_id, reason=failure, permanent=permanent
                )
                missed += 1
    if not todo:
        return None
    return f"保存照片 {kept} 张" + (f"，{missed} 张未能取得" if missed else "")
