"""民主评议党员 member page /m/appraisal/<round_id>: the self-assessment, the ballot, one's result.

Who is reading comes from WeChat OAuth first, then the signed link (`?t=`). The ballot is
submitted once as a whole and stored without the voter (see app/models/appraisal.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import (
    AppraisalRating,
    AppraisalRound,
    AppraisalStatus,
    Person,
)
from app.services.appraisal import rounds, voting
from app.services.appraisal.voting import SelfRefused, Vote
from app.services.member_links import LinkProblem
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
NOT_FOUND = "没有找到这次民主评议，请回到公众号重新打开。"
RATING_FIELD = re.compile(r"^r(\d{1,9})$")
VOTE_NOTICES = {
    Vote.ALREADY: (409, "您已经完成互评投票，不能重复投票。"),
    Vote.CLOSED: (410, "现在不在互评投票时间内，本次投票没有记录。"),
    Vote.NOT_VOTER: (403, "您不参加本次互评投票，本次投票没有记录。"),
    Vote.INVALID: (422, "请对列出的每一位党员各选一个等次后再提交，本次投票没有记录。"),
}


def _message(request: Request, status: int, title: str, text: str) -> Response:
    """A page that only says something (a refusal, a bad link)."""
    return page(request, "message.html", status, title=title, text=text)


async def _round(session: AsyncSession, round_id: int) -> AppraisalRound | None:
    """The round, once opened (a draft is nobody's business yet)."""
    appraisal = await rounds.get(session, round_id=round_id)
    if appraisal is None or appraisal.status == AppraisalStatus.DRAFT.value:
        return None
    return appraisal


async def _reader(
    request: Request, session: AsyncSession, round_id: int, token: str
) -> Reader | Response:
    """The person reading (OAuth first, then the link); a bad link gets its own answer."""
    reader = await reader_of(
        request, session, page_name=rounds.PAGE, subject_id=round_id, token=token
    )
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", "这个链接不完整或已失效，请回到公众号重新打开。")
    if reader is LinkProblem.EXPIRED:
        return _message(
            request, 400, "链接已过期", "这个链接已过期。请在公众号回复「民主评议」重新获取。"
        )
    assert isinstance(reader, Reader)
    return reader


def _back(round_id: int, reader: Reader) -> str:
    """The page again, with the link that named the reader."""
    link = f"?t={quote(reader.token, safe='')}" if reader.token else ""
    return f"/m/appraisal/{round_id}{link}"


async def _render(
    request: Request,
    session: AsyncSession,
    appraisal: AppraisalRound,
    reader: Reader,
    *,
    status: int = 200,
    notice: str | None = None,
    draft: str | None = None,
) -> Response:
    """The page for this reader: what they can do now, and their own result."""
    assert appraisal.id is not None
    now = request.app.state.clock()
    person = reader.person
    if person is None or person.id is None:
        return page(request, "appraisal/anonymous.html", status, appraisal=appraisal, reader=reader)
    place = await rounds.participant(session, round_id=appraisal.id, person_id=person.id)
    if place is None:
        return _message(request, 403, "不在评议范围内", "您不在本次民主评议的参加范围内。")
    context: dict[str, Any] = {
        "appraisal": appraisal,
        "reader": reader,
        "place": place,
        "notice": notice,
        "draft": place.self_text if draft is None else draft,
        "self_open": voting.self_window_open(appraisal, now),
        "self_before": now < appraisal.self_opens_at,
        "vote_open": voting.vote_window_open(appraisal, now),
        "vote_before": now < appraisal.vote_opens_at,
        "voted": await rounds.voted(session, round_id=appraisal.id, person_id=person.id),
        "self_window": rounds.window_label(appraisal.self_opens_at, appraisal.self_closes_at),
        "vote_window": rounds.window_label(appraisal.vote_opens_at, appraisal.vote_closes_at),
        "ratings": list(AppraisalRating),
        "candidates": [],
        "result": None,
        "max_self": voting.MAX_SELF_TEXT,
    }
    if context["vote_open"] and place.votes and not context["voted"]:
        others = await voting.candidates(session, round_id=appraisal.id, voter_id=person.id)
        context["candidates"] = [
            (p.person_id, found.name)
            for p in others
            if (found := await session.get(Person, p.person_id)) is not None
        ]
    if appraisal.status == AppraisalStatus.CLOSED.value and place.verdict:
        # Only the reader's own counts: never anyone else's, nothing ranked.
        mine = (await voting.tallies(session, round_id=appraisal.id)).get(person.id, {})
        context["result"] = {
            "counts": [(r.label, mine.get(r.value, 0)) for r in AppraisalRating],
            "verdict": AppraisalRating(place.verdict).label,
            "note": place.verdict_note,
        }
    return page(request, "appraisal/round.html", status, **context)


@router.get("/appraisal/{round_id:int}")
async def round_page(round_id: int, request: Request, session: Session, t: str = "") -> Response:
    """The member's page of the round."""
    appraisal = await _round(session, round_id)
    if appraisal is None:
        return _message(request, 404, "民主评议不存在", NOT_FOUND)
    if (sign_in := oauth_first(request, f"/m/appraisal/{round_id}", token=t)) is not None:
        return sign_in
    reader = await _reader(request, session, round_id, t)
    if isinstance(reader, Response):
        return reader
    return await _render(request, session, appraisal, reader)


async def _acting(
    request: Request, session: AsyncSession, round_id: int, token: str
) -> tuple[AppraisalRound, Reader, Person] | Response:
    """The round and the named person posting to it, or the page that refuses."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    appraisal = await _round(session, round_id)
    if appraisal is None:
        return _message(request, 404, "民主评议不存在", NOT_FOUND)
    reader = await _reader(request, session, round_id, token)
    if isinstance(reader, Response):
        return reader
    if reader.person is None or reader.person.id is None:
        return _message(
            request,
            403,
            "无法确认您的身份",
            "请通过公众号推送的链接打开本页，或在公众号回复「民主评议」。",
        )
    return appraisal, reader, reader.person


@router.post("/appraisal/{round_id:int}/self")
async def save_self(
    round_id: int,
    request: Request,
    session: Session,
    text: Annotated[str, Form()] = "",
    t: Annotated[str, Form()] = "",
) -> Response:
    """Save (or rewrite) the self-assessment while its window is open."""
    acting = await _acting(request, session, round_id, t)
    if isinstance(acting, Response):
        return acting
    appraisal, reader, person = acting
    assert person.id is not None
    place = await rounds.participant(session, round_id=round_id, person_id=person.id)
    if place is None:
        return _message(request, 403, "不在评议范围内", "您不在本次民主评议的参加范围内。")
    try:
        await voting.save_self(
            session,
            appraisal=appraisal,
            participant=place,
            text=text,
            now=request.app.state.clock(),
        )
    except SelfRefused as exc:  # nothing was written: no rollback needed
        return await _render(
            request, session, appraisal, reader, status=422, notice=str(exc), draft=text
        )
    return RedirectResponse(_back(round_id, reader), 303)


@router.post("/appraisal/{round_id:int}/vote")
async def cast(round_id: int, request: Request, session: Session) -> Response:
    """The whole ballot at once: one rating for every other participant."""
    form = await request.form()
    acting = await _acting(request, session, round_id, str(form.get("t") or ""))
    if isinstance(acting, Response):
        return acting
    appraisal, reader, person = acting
    assert person.id is not None
    ratings: dict[int, str] = {}
    malformed = False
    for name, value in form.multi_items():
        if (match := RATING_FIELD.match(name)) is None:
            continue
        candidate = int(match.group(1))
        malformed = malformed or candidate in ratings
        ratings[candidate] = str(value)
    outcome = await voting.vote(
        session,
        appraisal=appraisal,
        person_id=person.id,
        ratings={} if malformed else ratings,
        now=request.app.state.clock(),
    )
    if outcome is Vote.COUNTED:
        return RedirectResponse(_back(round_id, reader), 303)
    status, notice = VOTE_NOTICES[outcome]  # nothing of the ballot was written
    return await _render(request, session, appraisal, reader, status=status, notice=notice)
