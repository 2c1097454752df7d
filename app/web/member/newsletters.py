"""Reading pushes and newsletters inside WeChat: /m/r/<token> (a push's link), /m/n/<id>."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import Broadcast, BroadcastRecipient, NewsletterIssue, NewsletterSeries
from app.models.types import CHINA
from app.services.binding import codes as binding_service
from app.services.broadcasts.links import RecipientLinks
from app.services.member_links import MemberLinks
from app.services.newsletters import issues as newsletter_service
from app.web.member.reader import MEMBER_KEY, oauth_first, page

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
ISSUE_SUBJECT = "newsletter_issue"
# Pages that act for the recipient (sign, answer): the push's link carries a signed person link.
PERSONAL_PAGES = {
    "pledge_campaign": "pledges",
    "quiz": "quizzes",
    "thought_report": "admission/reports",  # a contact opening a report handed in to them
    "volunteer_activity": "volunteering",  # sign up or cancel in one tap
    "appraisal_round": "appraisal",  # self-assessment and the ballot
}


async def _article(request: Request, session: AsyncSession, issue: NewsletterIssue) -> Response:
    """The WeChat article once it is published there; our own page until then."""
    if issue.article_url:
        return RedirectResponse(issue.article_url, 302)
    series = await session.get(NewsletterSeries, issue.series_id)
    assert series is not None and issue.id is not None
    return page(
        request,
        "newsletters/issue.html",
        issue=issue,
        series=series,
        # render() escapes raw HTML (markdown-it with html off): its output is safe to embed.
        body=Markup(  # noqa: S704
            newsletter_service.render(
                issue.body,
                await newsletter_service.image_urls(
                    session, issue_id=issue.id, base=f"/m/n/{issue.id}"
                ),
            )
        ),
        # Our own copy of the cover: WeChat's image host does not serve other sites' pages.
        cover_src=f"/m/n/{issue.id}/cover" if issue.cover_image else None,
        dated=(issue.sent_at or issue.updated_at).astimezone(CHINA),
        account=request.app.title,
    )


async def _signed_in_person(request: Request, session: AsyncSession) -> int | None:
    """The person of the WeChat signed in through OAuth on this browser, if any."""
    openid = request.session.get(MEMBER_KEY)
    if not isinstance(openid, str):
        return None
    person = await binding_service.person_for_openid(session, openid=openid)
    return person.id if person is not None else None


def personal_link(request: Request, page_name: str, subject_id: int, person_id: int) -> str:
    """/m/<page>/<id>?t=…: the page, with a signed link naming the person (for LINK_TTL)."""
    links = MemberLinks(request.app.state.settings.secret_key.get_secret_value())
    now = request.app.state.clock()
    return links.path(page=page_name, subject_id=subject_id, person_id=person_id, now=now)


@router.get("/r/{token}")
async def open_push(token: str, request: Request, session: Session) -> Response:
    """A push's per-person link: record who opened it, then show what it points to."""
    settings = request.app.state.settings
    link = RecipientLinks(
        settings.public_base_url, settings.secret_key.get_secret_value(), request.app.state.clock
    ).read(token)
    row = await session.get(BroadcastRecipient, link.row_id) if link is not None else None
    if row is None or link is None:
        return page(
            request,
            "message.html",
            404,
            title="链接无效",
            text="这个链接不完整或已失效，请回到公众号重新打开。",
        )
    # OAuth first on a service account, whatever the link says (a forwarded link is common).
    if (sign_in := oauth_first(request, f"/m/r/{token}")) is not None:
        return sign_in
    broadcast = await session.get(Broadcast, row.broadcast_id)
    assert broadcast is not None
    now = request.app.state.clock()
    # A forwarded link must not count as the recipient's read: OAuth, where we have it, wins.
    reader = await _signed_in_person(request, session)
    if link.expired and reader is None:
        return page(
            request,
            "message.html",
            410,
            title="链接已过期",
            text="这个链接已超过 30 天有效期。请回到公众号，点击菜单或回复「我的」重新打开。",
        )
    if reader is None or reader == row.person_id:
        reader, via = row.person_id, "oauth" if reader else "link"
        if row.opened_at is None:
            row.opened_at = now
            session.add(row)
    else:
        via = "oauth"
    if broadcast.subject_type == ISSUE_SUBJECT and broadcast.subject_id is not None:
        issue = await session.get(NewsletterIssue, broadcast.subject_id)
        if issue is not None:
            await newsletter_service.record_read(
                session, issue_id=broadcast.subject_id, person_id=reader, via=via, now=now
            )
            return await _article(request, session, issue)
    page_name = PERSONAL_PAGES.get(broadcast.subject_type or "")
    if page_name is not None and broadcast.subject_id is not None:
        # The reader (the OAuth one when a forwarded link is opened by someone else).
        target_page = personal_link(request, page_name, broadcast.subject_id, reader)
        return RedirectResponse(target_page, 302)
    target = broadcast.message.get("url")
    if isinstance(target, str) and target.startswith(("http://", "https://", "/m/")):
        return RedirectResponse(target, 302)
    return page(
        request,
        "message.html",
        title=broadcast.title,
        text=str(broadcast.message.get("text") or ""),
    )


@router.get("/n/{issue_id:int}")
async def read_issue(issue_id: int, request: Request, session: Session) -> Response:
    """An issue from the archive: members are recognised through OAuth (service accounts)."""
    issue = await newsletter_service.get(session, issue_id=issue_id)
    if issue is None or issue.sent_at is None:
        return page(request, "message.html", 404, title="内容不存在", text="这一期还没有发布。")
    if (sign_in := oauth_first(request, f"/m/n/{issue_id}")) is not None:
        return sign_in
    reader = await _signed_in_person(request, session)
    if reader is not None:
        await newsletter_service.record_read(
            session, issue_id=issue_id, person_id=reader, via="oauth", now=request.app.state.clock()
        )
    return await _article(request, session, issue)


@router.get("/n/{issue_id:int}/cover")
async def issue_cover(issue_id: int, request: Request, session: Session) -> Response:
    """The cover of an issue that went out, as uploaded (the article page shows it)."""
    issue = await newsletter_service.get(session, issue_id=issue_id)
    cover = issue.cover_image if issue is not None and issue.sent_at is not None else None
    media_type = newsletter_service.image_type(cover) if cover else None
    if cover is None or media_type is None:
        return page(request, "message.html", 404, title="内容不存在", text="这张图片不存在。")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(cover, media_type=media_type, headers=headers)


@router.get("/n/{issue_id:int}/images/{number:int}")
async def issue_image(issue_id: int, number: int, request: Request, session: Session) -> Response:
    """A photo of the body of an issue that went out, as uploaded (the article page shows it)."""
    issue = await newsletter_service.get(session, issue_id=issue_id)
    found = None
    if issue is not None and issue.sent_at is not None:
        found = await newsletter_service.image(session, issue_id=issue_id, number=number)
    media_type = newsletter_service.image_type(found.content) if found else None
    if found is None or media_type is None:
        return page(request, "message.html", 404, title="内容不存在", text="这张图片不存在。")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(found.content, media_type=media_type, headers=headers)
