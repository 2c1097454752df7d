"""Newsletters: series, issues written in Markdown, rendering as WeChat shows it, and reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache

from markdown_it import MarkdownIt
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    IssueStatus,
    NewsletterImage,
    NewsletterIssue,
    NewsletterRead,
    NewsletterSeries,
)

DEFAULT_SERIES = (
    ("zuxuan", "《神特组宣》", "组织与宣传工作", "ARCHIVE_ZUXUAN"),
    ("qingfeng", "《神特清风》", "廉政教育", "ARCHIVE_QINGFENG"),
)
ARCHIVE_SIZE = 5  # a news reply shows at most 8 articles; five fit on one phone screen
IMAGE_SCHEME = "image:"  # ![说明](image:2) in the Markdown: the issue's image 2
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def image_type(data: bytes) -> str | None:
    """The media type of an image by its first bytes (the file name is not trusted)."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(_JPEG):
        return "image/jpeg"
    return None


@cache
def _markdown() -> MarkdownIt:
    # "commonmark" with raw HTML off: whatever an admin types is escaped, never executed.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(body: str, images: Mapping[int, str] | None = None) -> str:
    """The issue body as HTML (the WeChat draft's content, the preview, the member page).

    `![说明](image:N)` shows the issue's image N from `images` (number → URL where this page
    loads it); an image that does not exist is shown as a note instead of a broken picture.
    """
    md = _markdown()
    tokens = md.parse(body)
    for block in tokens:
        for token in block.children or ():
            src = str(token.attrGet("src") or "") if token.type == "image" else ""
            if not src.startswith(IMAGE_SCHEME):
                continue
            number = src.removeprefix(IMAGE_SCHEME)
            url = (images or {}).get(int(number)) if number.isdecimal() else None
            if url is not None:
                token.attrSet("src", url)
            else:
                token.type, token.tag, token.children = "text", "", None
                token.content = f"（图片 {number} 不存在）"
    return str(md.renderer.render(tokens, md.options, {}))


def image_reference(number: int) -> str:
    """What to type in the Markdown to show image `number`."""
    return f"![图片说明]({IMAGE_SCHEME}{number})"


async def images_of(session: AsyncSession, *, issue_id: int) -> list[NewsletterImage]:
    """The issue's body images, by number."""
    statement = (
        select(NewsletterImage)
        .where(NewsletterImage.issue_id == issue_id)
        .order_by(col(NewsletterImage.number))
    )
    return list((await session.exec(statement)).all())


async def image_urls(session: AsyncSession, *, issue_id: int, base: str) -> dict[int, str]:
    """Where a page under `base` loads each of the issue's body images: <base>/images/<n>."""
    found = await images_of(session, issue_id=issue_id)
    return {image.number: f"{base}/images/{image.number}" for image in found}


async def image(session: AsyncSession, *, issue_id: int, number: int) -> NewsletterImage | None:
    """One body image of an issue."""
    statement = select(NewsletterImage).where(
        NewsletterImage.issue_id == issue_id, NewsletterImage.number == number
    )
    return (await session.exec(statement)).first()


async def add_images(
    session: AsyncSession, *, issue_id: int, files: Sequence[tuple[bytes, str]]
) -> list[NewsletterImage]:
    """Store checked images (content, file name) as the issue's next numbers."""
    current = (
        await session.exec(
            select(func.max(NewsletterImage.number)).where(NewsletterImage.issue_id == issue_id)
        )
    ).one()
    added = [
        NewsletterImage(
            issue_id=issue_id, number=int(current or 0) + i, filename=name, content=data
        )
        for i, (data, name) in enumerate(files, start=1)
    ]
    session.add_all(added)
    await session.flush()
    return added


async def remove_images(session: AsyncSession, *, issue_id: int, numbers: Iterable[int]) -> int:
    """Delete some of the issue's images; how many were deleted."""
    wanted = set(numbers)
    removed = 0
    for found in await images_of(session, issue_id=issue_id):
        if found.number in wanted:
            await session.delete(found)
            removed += 1
    await session.flush()
    return removed


async def ensure_default_series(session: AsyncSession) -> None:
    """Create 《神特组宣》 and 《神特清风》 if they are missing (first start)."""
    existing = set((await session.exec(select(NewsletterSeries.code))).all())
    for code, name, description, menu_key in DEFAULT_SERIES:
        if code not in existing:
            session.add(
                NewsletterSeries(code=code, name=name, description=description, menu_key=menu_key)
            )
    await session.flush()


async def all_series(session: AsyncSession) -> list[NewsletterSeries]:
    """Every series, oldest first."""
    return list(
        (await session.exec(select(NewsletterSeries).order_by(col(NewsletterSeries.id)))).all()
    )


async def series_by_menu_key(session: AsyncSession, *, menu_key: str) -> NewsletterSeries | None:
    """The series a menu button belongs to."""
    statement = select(NewsletterSeries).where(NewsletterSeries.menu_key == menu_key)
    return (await session.exec(statement)).first()


async def next_number(session: AsyncSession, *, series_id: int) -> int:
    """The number the next issue of a series gets."""
    current = (
        await session.exec(
            select(func.max(NewsletterIssue.number)).where(NewsletterIssue.series_id == series_id)
        )
    ).one()
    return int(current or 0) + 1


async def get(session: AsyncSession, *, issue_id: int) -> NewsletterIssue | None:
    """One issue."""
    return await session.get(NewsletterIssue, issue_id)


async def issues(
    session: AsyncSession, *, series_id: int | None = None, limit: int = 100
) -> list[NewsletterIssue]:
    """Issues, newest first."""
    statement = select(NewsletterIssue).order_by(col(NewsletterIssue.id).desc()).limit(limit)
    if series_id is not None:
        statement = statement.where(NewsletterIssue.series_id == series_id)
    return list((await session.exec(statement)).all())


async def latest_sent(
    session: AsyncSession, *, series_id: int, limit: int = ARCHIVE_SIZE
) -> list[NewsletterIssue]:
    """The newest issues of a series that went out (the archive button's answer)."""
    statement = (
        select(NewsletterIssue)
        .where(
            NewsletterIssue.series_id == series_id,
            NewsletterIssue.status == IssueStatus.SENT.value,
        )
        .order_by(col(NewsletterIssue.number).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


def display_title(series: NewsletterSeries, issue: NewsletterIssue) -> str:
    """ "《神特组宣》第 12 期｜标题", how pushes and the archive name an issue."""
    return f"{series.name}第 {issue.number} 期｜{issue.title}"


async def record_read(
    session: AsyncSession, *, issue_id: int, person_id: int, via: str, now: datetime
) -> NewsletterRead:
    """Remember that a person opened an issue (first time, last time, how often)."""
    statement = select(NewsletterRead).where(
        NewsletterRead.issue_id == issue_id, NewsletterRead.person_id == person_id
    )
    read = (await session.exec(statement)).first()
    if read is None:
        read = NewsletterRead(
            issue_id=issue_id, person_id=person_id, first_opened_at=now, last_opened_at=now, via=via
        )
        try:
            async with session.begin_nested():
                session.add(read)
        except IntegrityError:
            # A double tap: the other request recorded the first open; count this one on it.
            read = (await session.exec(statement)).one()
        else:
            return read
    read.last_opened_at = now
    read.open_count += 1
    session.add(read)
    await session.flush()
    return read


async def read_count(session: AsyncSession, *, issue_id: int) -> int:
    """How many people opened an issue."""
    statement = select(func.count()).where(NewsletterRead.issue_id == issue_id)
    return int((await session.exec(statement)).one())


async def due_scheduled(session: AsyncSession, *, now: datetime) -> list[int]:
    """Scheduled issues whose time has come."""
    statement = select(NewsletterIssue.id).where(
        NewsletterIssue.status == IssueStatus.SCHEDULED.value,
        col(NewsletterIssue.scheduled_at) <= now,
    )
    return [int(i) for i in (await session.exec(statement)).all() if i is not None]


async def record_published(
    session: AsyncSession, *, publish_id: str, article_url: str | None
) -> NewsletterIssue | None:
    """PUBLISHJOBFINISH: the issue is in the account's history; readers go to that article."""
    statement = select(NewsletterIssue).where(NewsletterIssue.publish_id == publish_id)
    issue = (await session.exec(statement)).first()
    if issue is None or not article_url:
        return issue
    issue.article_url = article_url[:1024]
    session.add(issue)
    await session.flush()
    return issue
