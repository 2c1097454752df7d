"""The member's own 微感悟 page /m/reflections/<person id>: what they wrote, on which topic, and
whether it was selected or published (with the issue's link). Never anyone else's, never ranked.

Who reads comes from WeChat OAuth where the account has it (then the link is not read), otherwise
from the signed per-person link in the chat's confirmation (`?t=`, expiring).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import Person
from app.models.types import china_moment
from app.services.member_links import LinkProblem
from app.services.newsletters import publishing
from app.services.reflections import person as person_records
from app.web.member.reader import Reader, oauth_first, page, reader_of

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
PAGE = "reflections"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    return page(request, "message.html", status, title=title, text=text)


@router.get("/reflections/{person_id:int}")
async def my_reflections(
    request: Request,
    person_id: int,
    session: Session,
    t: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    """The reader's own reflections (OAuth first, then the signed link)."""
    if await session.get(Person, person_id) is None:  # no such person: nothing to sign in for
        return _message(request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号重新打开。")
    if (redirect := oauth_first(request, f"/m/reflections/{person_id}", token=t)) is not None:
        return redirect
    reader = await reader_of(request, session, page_name=PAGE, subject_id=person_id, token=t)
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号重新打开。")
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期。请在公众号回复「感悟」后重新打开。"
        )
    assert isinstance(reader, Reader)
    if reader.person is None or reader.person.id is None:
        text = (
            "绑定身份后才能查看自己的微感悟。"
            if reader.unbound
            else "请通过公众号消息中的链接打开本页。"
        )
        return _message(request, 200, "我的微感悟", text)
    found = await person_records.mine(session, person_id=reader.person.id)
    settings = request.app.state.settings
    rows = [
        {
            "topic": m.topic.title,
            "on": china_moment(m.reflection.created_at, year=True),
            "text": m.reflection.text,
            "state": m.state,
            "link": (m.issue.article_url or publishing.article_page(settings, m.issue))
            if m.state == "已刊用" and m.issue is not None
            else None,
        }
        for m in found
    ]
    return page(request, "reflections/mine.html", author=reader.person.name, rows=rows)
