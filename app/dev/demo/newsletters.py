"""Demo newsletters for `make run`: one draft of each series, to preview and send."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR
from app.models import NewsletterIssue
from app.services.newsletters import issues as newsletter_service

DEMO_ISSUES = (
    (
        "zuxuan",
        "党员固定学习日安排",
        "本月固定学习日的时间、地点和学习内容。",
        "## 本月固定学习日\n\n"
        "- **时间**：每月第一个星期五 14:30\n"
        "- **地点**：行政楼三楼会议室\n"
        "- **内容**：集中学习、交流研讨\n\n"
        "请各位党员提前安排好工作，按时参加；确有特殊情况的，请在公众号「学习 → 请假」中说明。",
    ),
    (
        "qingfeng",
        "廉洁从业提醒",
        "节日期间廉洁从业的几点提醒。",
        "## 廉洁从业提醒\n\n"
        "1. 严守中央八项规定精神；\n"
        "2. 不收受可能影响公正执行公务的礼品礼金；\n"
        "3. 不违规操办婚丧喜庆事宜。\n\n"
        "> 清风常在，初心如磐。",
    ),
)


async def seed_newsletters(session: AsyncSession) -> int:
    """One draft per series, for trying 刊物 → 预览 → 立即发送 in the console."""
    await newsletter_service.ensure_default_series(session)
    series = {s.code: s for s in await newsletter_service.all_series(session)}
    created = 0
    for code, title, digest, body in DEMO_ISSUES:
        target = series[code]
        assert target.id is not None
        if await newsletter_service.issues(session, series_id=target.id, limit=1):
            continue
        session.add(
            NewsletterIssue(
                series_id=target.id,
                number=1,
                title=title,
                author="党群部门",
                digest=digest,
                body=body,
                created_by=DEMO_ACTOR.name,
            )
        )
        created += 1
    await session.flush()
    return created
