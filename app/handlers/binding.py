"""「绑定 <code>」: a follower binds their WeChat to their person on the roster."""

from __future__ import annotations

from app.handlers.registry import HOW_TO_BIND, HandlerContext, MessageRouter, Reply
from app.services.binding import codes as binding_service
from app.services.binding.codes import RedeemOutcome

router = MessageRouter()

_CONTACT = "如需更换，请联系党群部门解除原绑定。"


async def _bind(ctx: HandlerContext, code: str) -> Reply:
    if not binding_service.normalise(code):
        return HOW_TO_BIND
    result = await binding_service.redeem(ctx.session, openid=ctx.openid, code=code, now=ctx.now)
    name = result.person.name if result.person else ""
    match result.outcome:
        case RedeemOutcome.BOUND:
            return (
                f"绑定成功！{name}，您好。今后的学习提醒、签到和记录都会发到这里。"
                "回复「我的」查看您的信息。"
            )
        case RedeemOutcome.ALREADY_BOUND:
            return f"您已经绑定为{name}，无需重复绑定。"
        case RedeemOutcome.FOLLOWER_BOUND_ELSEWHERE:
            return f"这个微信已经绑定了其他人员。{_CONTACT}"
        case RedeemOutcome.PERSON_BOUND_ELSEWHERE:
            return f"{name}已经绑定了另一个微信。{_CONTACT}"
        case RedeemOutcome.EXPIRED:
            return "这个绑定码已过期，请向党群部门重新领取。"
        case RedeemOutcome.USED:
            return "这个绑定码已经使用过了。如果不是您本人使用的，请立即联系党群部门。"
        case RedeemOutcome.RATE_LIMITED:
            return "尝试次数过多，请 15 分钟后再试，或联系党群部门。"
        case _:
            return "绑定码不正确，请核对后重新输入（不区分大小写）。"


@router.text("绑定", help="绑定身份，例如「绑定 K7P2QX9M」")
async def on_bind(ctx: HandlerContext) -> Reply:
    """Redeem the code that follows the keyword."""
    return await _bind(ctx, ctx.keyword_args)


@router.text(pattern=r"绑定[：:]?\s*[A-Za-z0-9][A-Za-z0-9 \-]{3,20}")
async def on_bind_without_space(ctx: HandlerContext) -> Reply:
    """「绑定K7P2QX9M」 typed without a space (or with a colon) works too."""
    content = str(getattr(ctx.message, "content", ""))
    return await _bind(ctx, content.removeprefix("绑定").lstrip(":：").strip())


@router.click("BIND_HELP")
async def on_bind_button(ctx: HandlerContext) -> Reply:
    """The 绑定身份 button: say who this WeChat is bound to, or how to bind."""
    person = await binding_service.person_for_openid(ctx.session, openid=ctx.openid)
    if person is not None:
        return f"您已经绑定为{person.name}（工号 {person.employee_no}）。{_CONTACT}"
    return HOW_TO_BIND
