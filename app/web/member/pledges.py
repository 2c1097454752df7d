"""The member's pledge page /m/pledges/<id>: read the full text and tap 我承诺.

Who is signing comes from WeChat OAuth where the account has it, otherwise from the signed
per-person link a push or a chat reply carries (`?t=`). When both are present OAuth wins: a
forwarded link must not let one member sign for another.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import get_session
from app.models import CampaignStatus, PledgeCampaign, SignatureChannel
from app.models.types import china_moment
from app.services import audiences
from app.services.member_links import LinkProblem
from app.services.pledges import campaigns, signing
from app.services.pledges.signing import Sign
from app.web.member.reader import Reader, oauth_first, page, reader_of
from app.web.security import CsrfError, check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
PAGE = "pledges"
FORGED_LINK = "这个链接不完整或已失效，请回到公众号重新打开。"
NOT_FOUND = "没有找到这份承诺书，请回到公众号重新打开。"


def _message(request: Request, status: int, title: str, text: str) -> Response:
    return page(request, "message.html", status, title=title, text=text)


async def _signer(
    request: Request, session: AsyncSession, campaign_id: int, token: str
) -> Reader | Response:
    """The person signing (OAuth first, then the link); a bad link gets its own answer."""
    reader = await reader_of(request, session, page_name=PAGE, subject_id=campaign_id, token=token)
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", FORGED_LINK)
    if reader is LinkProblem.EXPIRED:
        return _message(
            request,
            400,
            "链接已过期",
            "这个链接已过期。请回到公众号点击菜单「廉洁承诺」重新打开。",
        )
    assert isinstance(reader, Reader)
    return reader


def _channel(signer: Reader) -> SignatureChannel:
    """How the signer was identified, as the signature records it."""
    return SignatureChannel.PAGE_LINK if signer.token else SignatureChannel.PAGE_OAUTH


async def _campaign(session: AsyncSession, campaign_id: int) -> PledgeCampaign | None:
    campaign = await campaigns.get(session, campaign_id=campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT.value:
        return None
    return campaign


async def _render(
    request: Request,
    session: AsyncSession,
    campaign: PledgeCampaign,
    signer: Reader,
    *,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    """The text, and what this reader can do about it."""
    assert campaign.id is not None
    now = request.app.state.clock()
    current = await campaigns.current(session, campaign=campaign)
    context: dict[str, Any] = {
        "campaign": campaign,
        "text": current,
        "deadline": campaigns.deadline_label(campaign),
        "signer": signer,
        "notice": notice,
        "state": "anonymous",
        "signature": None,
        "signed_at": None,
    }
    person = signer.person
    if campaign.status == CampaignStatus.CANCELLED.value:
        context["state"] = "cancelled"
    elif person is not None and person.id is not None:
        signature = await signing.standing(session, campaign_id=campaign.id, person_id=person.id)
        asked = await audiences.includes(session, target=campaign, person=person)
        if signature is not None:
            context["state"], context["signature"] = "signed", signature
            context["signed_at"] = china_moment(signature.signed_at, year=True)
            if signature.version_number != current.number:
                signed = await campaigns.version(
                    session, campaign_id=campaign.id, number=signature.version_number
                )
                context["text"] = signed or current
        elif not campaigns.accepts_signatures(campaign, now):
            context["state"] = "closed"
        elif not asked:
            context["state"] = "not_asked"
        else:
            context["state"] = "to_sign"
            await signing.record_shown(
                session, campaign=campaign, person_id=person.id, via="page", now=now
            )
    elif not campaigns.accepts_signatures(campaign, now):
        context["state"] = "closed"
    return page(request, "pledges/pledge.html", status, **context)


@router.get("/pledges/{campaign_id:int}")
async def pledge_page(
    campaign_id: int, request: Request, session: Session, t: str = ""
) -> Response:
    """The pledge's full text; the member it is for can sign it here."""
    campaign = await _campaign(session, campaign_id)
    if campaign is None:
        return _message(request, 404, "承诺书不存在", NOT_FOUND)
    if (sign_in := oauth_first(request, f"/m/pledges/{campaign_id}", token=t)) is not None:
        return sign_in
    signer = await _signer(request, session, campaign_id, t)
    if isinstance(signer, Response):
        return signer
    return await _render(request, session, campaign, signer)


SIGN_NOTICES = {
    Sign.ALREADY: (409, "您已经签署过这份承诺书，无需重复签署。"),
    Sign.CLOSED: (410, "这份承诺书已截止签署，本次签署没有记录。"),
    Sign.NOT_ASKED: (403, "您不在这份承诺书的签署范围内，本次签署没有记录。"),
}


@router.post("/pledges/{campaign_id:int}/sign")
async def sign(
    campaign_id: int,
    request: Request,
    session: Session,
    version: Annotated[int, Form()] = 0,
    sha256: Annotated[str, Form()] = "",
    t: Annotated[str, Form()] = "",
) -> Response:
    """我承诺: sign the version the page showed (its number and the hash of its text)."""
    try:
        await check_csrf(request)
    except CsrfError:
        return _message(request, 403, "页面已过期", "请刷新页面后重新点击「我承诺」。")
    campaign = await _campaign(session, campaign_id)
    if campaign is None:
        return _message(request, 404, "承诺书不存在", NOT_FOUND)
    signer = await _signer(request, session, campaign_id, t)
    if isinstance(signer, Response):
        return signer
    if signer.person is None:
        return _message(
            request,
            403,
            "无法确认您的身份",
            "请通过公众号推送的链接打开本页，或点击菜单「廉洁承诺」后再签署。",
        )
    result = await signing.sign(
        session,
        campaign=campaign,
        person=signer.person,
        version_number=version,
        text_sha256=sha256,
        channel=_channel(signer),
        now=request.app.state.clock(),
    )
    if result.outcome is Sign.SIGNED:
        link = f"&t={quote(signer.token, safe='')}" if signer.token else ""
        back = f"/m/pledges/{campaign_id}{link.replace('&', '?', 1)}"
        return RedirectResponse(back, 303)
    if result.outcome is Sign.OLD_VERSION:
        notice = f"承诺书内容已更新为第 {result.current.number} 版，请阅读以下最新内容后重新确认。"
        return await _render(request, session, campaign, signer, status=409, notice=notice)
    if result.outcome is Sign.NOT_OPEN:
        return _message(request, 404, "承诺书不存在", "这份承诺书还没有发布。")
    status, notice = SIGN_NOTICES[result.outcome]
    return await _render(request, session, campaign, signer, status=status, notice=notice)
