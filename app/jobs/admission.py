"""组织发展 jobs: step warnings, the weekly digest, quarterly thought-report reminders.

Each runs often and acts on or after ADMISSION_REMINDER_TIME (China time); the broadcast key
of each notice makes it go once, however often the job runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.admission import reminders, report_photos
from app.wechat.errors import TransientError, WeChatError


@job("admission.deadlines", "组织发展：到期与逾期提醒", timedelta(minutes=15))
async def deadlines(ctx: JobContext, now: datetime) -> str | None:
    """Tell the people responsible about a step due within 7 days, and once when overdue."""
    return await enqueue(ctx, now, reminders.send_deadline_notices)


@job("admission.digest", "组织发展：支部书记周报", timedelta(hours=1))
async def digest(ctx: JobContext, now: datetime) -> str | None:
    """Mondays: each 支部书记's list of overdue steps and those due within two weeks."""
    return await enqueue(ctx, now, reminders.send_digest)


@job("admission.reports", "组织发展：思想汇报季度提醒", timedelta(hours=1))
async def reports(ctx: JobContext, now: datetime) -> str | None:
    """The quarter's last month: remind whoever owes this quarter's 思想汇报 (once a quarter)."""
    return await enqueue(ctx, now, reminders.report_jobs)


@job("admission.photos", "组织发展：保存思想汇报照片", timedelta(minutes=5))
async def photos(ctx: JobContext, now: datetime) -> str | None:
    """Keep our own copy of each thought-report photo before WeChat's expires (3 days).

    The downloads run outside any transaction: one unit of work finds what is wanted, and
    each photo is stored in its own, so a slow or failing download holds no lock."""
    async with unit_of_work(ctx.sessions) as session:
        todo = await report_photos.wanted(session, now=now)
    kept = missed = 0
    for wanted in todo:
        media, failure, permanent = None, "", False
        try:
            media = await ctx.client.download_media(wanted.media_id)
        except TransientError as exc:  # timed out, WeChat busy: tried again next run
            failure = str(exc)
        except WeChatError as exc:  # expired or unknown: WeChat will never have it again
            failure, permanent = str(exc), True
        async with unit_of_work(ctx.sessions) as session:
            if media is not None:
                await report_photos.keep(
                    session,
                    wanted=wanted,
                    content=media.content,
                    content_type=media.content_type,
                    now=now,
                )
                kept += 1
            else:
                await report_photos.missed(
                    session, wanted=wanted, reason=failure, permanent=permanent
                )
                missed += 1
    if not todo:
        return None
    return f"保存照片 {kept} 张" + (f"，{missed} 张未能取得" if missed else "")
