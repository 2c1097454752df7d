"""WeChat's receipts for what we sent: template and mass-send job events update the outcomes."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.services.broadcasts import receipts

router = MessageRouter()


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@router.event("templatesendjobfinish")
async def on_template_finished(ctx: HandlerContext) -> Reply:
    """TEMPLATESENDJOBFINISH: did the template message reach the member's phone."""
    msgid = _int(ctx.fields.get("MsgID") or ctx.fields.get("MsgId"))
    if msgid is not None:
        await receipts.template_finished(
            ctx.session,
            openid=ctx.openid,
            msgid=msgid,
            status=str(ctx.fields.get("Status") or ""),
            now=ctx.now,
        )
    return None


@router.event("masssendjobfinish")
async def on_mass_finished(ctx: HandlerContext) -> Reply:
    """MASSSENDJOBFINISH: WeChat's totals for one mass send."""
    msg_id = _int(ctx.fields.get("MsgID") or ctx.fields.get("MsgId"))
    if msg_id is not None:
        counts = {
            name: _int(ctx.fields.get(name))
            for name in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")
        }
        await receipts.mass_finished(
            ctx.session,
            msg_id=msg_id,
            status=str(ctx.fields.get("Status") or ""),
            counts=counts,
            now=ctx.now,
        )
    return None
