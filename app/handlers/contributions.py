"""「岗位建功」: a bound member gets signed links to record one (with evidence) and to see theirs.

There is no menu button (the menu is full): the keyword answers with the two pages' links.
"""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.services.contributions import links

router = MessageRouter()

TO_RECORD = "登记岗位建功"  # what an unbound follower is told they could do once bound


@router.text("岗位建功", help="登记岗位建功（附证明材料），查看核实情况", requires_member=TO_RECORD)
async def on_contributions(ctx: HandlerContext) -> Reply:
    """The keyword: the link to record one and the link to the member's own list."""
    person = ctx.member
    assert person.id is not None
    signed = links.token(
        ctx.settings.secret_key.get_secret_value(), person_id=person.id, now=ctx.now
    )
    base = ctx.settings.public_base_url.rstrip("/")
    record = base + links.with_token(links.NEW_PATH, signed)
    mine = base + links.with_token(links.MINE_PATH, signed)
    return (
        "岗位建功：技术攻关、工艺改进、降本增效、安全生产、服务保障等成绩，"
        "登记后由党支部核实，计入考核。\n"
        f'<a href="{record}">登记岗位建功</a>（可上传照片或 PDF、Word、Excel 证明材料）\n'
        f'<a href="{mine}">查看我的岗位建功</a>'
    )
