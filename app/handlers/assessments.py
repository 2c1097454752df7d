"""三亮三挂三考核 in the chat: 「我的考核」 answers with the link to the latest signed sheet."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import PeriodKind
from app.services.assessments import mine, periods
from app.services.assessments.review import PAGE
from app.services.member_links import MemberLinks

router = MessageRouter()

WHAT = "查看考核结果"
NOTHING = "您还没有已签发的考核结果。每期考核由党支部审核签发后，会通知您查看。"


@router.text("我的考核", help="查看本人最近一期三亮三挂三考核结果", requires_member=WHAT)
async def my_assessment(ctx: HandlerContext) -> Reply:
    """The member's own latest signed-off sheet, as a signed link (one tap)."""
    person_id = ctx.member.id or 0
    found = await mine.latest_signed(ctx.session, person_id=person_id)
    if found is None:
        return NOTHING
    sheet, period = found
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    path = links.path(page=PAGE, subject_id=sheet.id or 0, person_id=person_id, now=ctx.now)
    name = periods.name_of(PeriodKind(period.kind), period.starts_on)
    level = f"，等级：{sheet.level}" if sheet.level else ""
    return (
        f"您的{name}考核结果已签发{level}。\n"
        f"查看详情、填写自述或申请复核：{ctx.settings.public_base_url.rstrip('/')}{path}"
    )
