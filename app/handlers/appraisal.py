"""民主评议党员 in the chat: the keyword 「民主评议」 answers with the member's own page."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.services.appraisal import rounds
from app.services.member_links import MemberLinks

router = MessageRouter()

TO_APPRAISE = "参加民主评议"  # what an unbound follower is told they could do once bound


@router.text(
    "民主评议", help="民主评议党员：个人自评、党员互评、查看本人结果", requires_member=TO_APPRAISE
)
async def on_appraisal(ctx: HandlerContext) -> Reply:
    """The link to each open round the member takes part in (a signed link: one tap)."""
    person = ctx.member
    assert person.id is not None
    found = await rounds.open_for(ctx.session, person_id=person.id)
    if not found:
        return "目前没有需要您参加的民主评议。评议开始时会另行通知。"
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    base = ctx.settings.public_base_url.rstrip("/")
    lines = []
    for appraisal in found:
        assert appraisal.id is not None
        path = links.path(
            page=rounds.PAGE, subject_id=appraisal.id, person_id=person.id, now=ctx.now
        )
        lines.append(f'<a href="{base}{path}">{appraisal.year} 年度民主评议党员</a>')
    return "民主评议党员（个人自评、无记名互评）：\n" + "\n".join(lines)
