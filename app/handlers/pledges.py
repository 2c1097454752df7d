"""我承诺 in the chat, and the 廉洁承诺 menu button that shows the text to sign."""

from __future__ import annotations

from datetime import timedelta

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import Person, PledgeCampaign, PledgeVersion, SignatureChannel
from app.models.types import china_moment
from app.services.member_links import MemberLinks
from app.services.pledges import campaigns, signing
from app.services.pledges.signing import Sign

router = MessageRouter()

TO_SIGN = "签署承诺书"  # what an unbound follower is told they could do once bound
NOTHING_TO_SIGN = "目前没有需要您签署的廉洁承诺书。"
# A member who answers a prompt a little late is told it closed, not that there is nothing.
RECENTLY_CLOSED = timedelta(days=30)


def _link(ctx: HandlerContext, campaign: PledgeCampaign, person: Person) -> str:
    """The page for this person (a signed link: the chat knows who is asking)."""
    assert campaign.id is not None and person.id is not None
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    path = links.path(page="pledges", subject_id=campaign.id, person_id=person.id, now=ctx.now)
    return ctx.settings.public_base_url.rstrip("/") + path


async def _pending(ctx: HandlerContext, person: Person) -> tuple[list[PledgeCampaign], list[str]]:
    """Open campaigns asking the person that they have not signed; lines for those they have."""
    assert person.id is not None
    todo, done = [], []
    for campaign in await campaigns.open_for(ctx.session, person=person, now=ctx.now):
        assert campaign.id is not None
        signature = await signing.standing(
            ctx.session, campaign_id=campaign.id, person_id=person.id
        )
        if signature is None:
            todo.append(campaign)
        else:
            done.append(
                f"您已于 {china_moment(signature.signed_at, year=True)} 签署《{campaign.title}》"
                f"（第 {signature.version_number} 版），无需重复签署。"
            )
    if not todo and not done:
        late = await campaigns.closed_recently_for(
            ctx.session, person=person, now=ctx.now, within=RECENTLY_CLOSED
        )
        for campaign in late:
            assert campaign.id is not None
            if await signing.standing(ctx.session, campaign_id=campaign.id, person_id=person.id):
                continue
            done.append(
                f"《{campaign.title}》已于 {campaigns.deadline_label(campaign)} 截止签署，"
                "本次没有记录。如需补签，请联系党支部。"
            )
    return todo, done


async def _show(
    ctx: HandlerContext, campaign: PledgeCampaign, person: Person, lead: str = ""
) -> Reply:
    """The full text (recorded as shown) and how to sign; a link when it is too long to send."""
    assert person.id is not None
    text: PledgeVersion = await campaigns.current(ctx.session, campaign=campaign)
    deadline = campaigns.deadline_label(campaign)
    full = campaigns.chat_text(campaign, text)
    if full is None:
        return (
            f"{lead}《{campaign.title}》全文较长，请点击阅读并签署（截止 {deadline}）：\n"
            f"{_link(ctx, campaign, person)}"
        )
    await signing.record_shown(
        ctx.session, campaign=campaign, person_id=person.id, via="chat", now=ctx.now
    )
    return f"{lead}{full}\n\n如您同意以上内容，请回复「我承诺」完成签署（截止 {deadline}）。"


@router.click("PLEDGE_SIGN", requires_member=TO_SIGN)
async def on_pledge_button(ctx: HandlerContext) -> Reply:
    """廉洁承诺: the text the member still has to sign, or that they have signed."""
    person = ctx.member
    todo, done = await _pending(ctx, person)
    if todo:
        return await _show(ctx, todo[0], person)
    return "\n".join(done) if done else NOTHING_TO_SIGN


async def _sign(ctx: HandlerContext) -> Reply:
    person = ctx.member  # an unbound follower's 我承诺 signs nothing: told how to bind
    assert person.id is not None
    todo, done = await _pending(ctx, person)
    if not todo:
        return "\n".join(done) if done else NOTHING_TO_SIGN
    # Of several, the one whose text reached the member (the first such by deadline).
    shown = [
        c
        for c in todo
        if await signing.version_shown(ctx.session, campaign_id=c.id or 0, person_id=person.id)
    ]
    campaign = (shown or todo)[0]
    result = await signing.sign(
        ctx.session,
        campaign=campaign,
        person=person,
        version_number=None,
        channel=SignatureChannel.CHAT,
        now=ctx.now,
    )
    match result.outcome:
        case Sign.SIGNED:
            assert result.signature is not None
            return (
                f"签署成功！您已签署《{campaign.title}》（第 {result.current.number} 版）。\n"
                f"签署时间：{china_moment(result.signature.signed_at, year=True)}\n"
                f"文本校验码：{result.current.sha256[:12]}"
            )
        case Sign.ALREADY:
            assert result.signature is not None
            when = china_moment(result.signature.signed_at, year=True)
            return f"您已于 {when} 签署《{campaign.title}》，无需重复签署。"
        case Sign.OLD_VERSION:
            lead = f"《{campaign.title}》已更新为第 {result.current.number} 版，请阅读新版本：\n\n"
            return await _show(ctx, campaign, person, lead)
        case Sign.NOT_SHOWN:
            return await _show(ctx, campaign, person, "请先阅读承诺书全文：\n\n")
        case Sign.CLOSED:
            return f"《{campaign.title}》已于 {campaigns.deadline_label(campaign)} 截止签署。"
        case Sign.NOT_ASKED | Sign.NOT_OPEN:
            return NOTHING_TO_SIGN


@router.text("我承诺", help="签署收到的廉洁承诺书", requires_member=TO_SIGN)
async def on_i_pledge(ctx: HandlerContext) -> Reply:
    """我承诺: sign the pledge text the member received."""
    return await _sign(ctx)


@router.text(pattern=r"^\s*我承诺[。！!.，,\s]*$", requires_member=TO_SIGN)
async def on_i_pledge_punctuated(ctx: HandlerContext) -> Reply:
    """我承诺！ / 我承诺。 are the same answer."""
    return await _sign(ctx)
