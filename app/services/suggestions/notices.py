"""The submitter (and co-submitters) hear each decision once, through the notices engine."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import Broadcast, Suggestion
from app.services.broadcasts import notices
from app.services.suggestions import records

SUBJECT = "suggestion"


def _what(suggestion: Suggestion, action: str, merged_into: str | None) -> str | None:
    """What the member reads about a decision (None: a decision they are not told of)."""
    number = suggestion.number
    if action == "adopt":
        return f"您的合理化建议（编号 {number}）已被采纳，感谢您为创业创效献策！"
    if action == "reject":
        return f"您的合理化建议（编号 {number}）未被采纳。理由：{suggestion.reject_reason}"
    if action == "merge":
        return (
            f"您的合理化建议（编号 {number}）与先前的建议 {merged_into} 内容相近，"
            "已合并一并评审。感谢您的参与！"
        )
    if action == "implemented":
        return f"您的合理化建议（编号 {number}）已实施完成。"
    if action == "verify":
        return (
            f"您的合理化建议（编号 {number}）经济效益已核定："
            f"¥{suggestion.verified_benefit or 0:,.2f}。"
        )
    if action == "award":
        return f"祝贺！您的合理化建议（编号 {number}）被评为金点子（{suggestion.award}）。"
    return None


async def tell(
    session: AsyncSession,
    *,
    suggestion: Suggestion,
    action: str,
    settings: Settings,
    now: datetime,
    by: str = "console",
) -> Broadcast | None:
    """Tell the submitter and co-submitters of the decision, once (keyed by the decision)."""
    assert suggestion.id is not None
    merged_into = None
    if action == "merge" and suggestion.merged_into_id is not None:
        target = await records.get(session, suggestion_id=suggestion.merged_into_id)
        merged_into = target.number if target is not None else None
    text = _what(suggestion, action, merged_into)
    if text is None:
        return None
    people = [suggestion.person_id] + [
        p.id for p in await records.coauthors(session, suggestion_id=suggestion.id) if p.id
    ]
    return await notices.notify(
        session,
        key=f"suggestions.{action}:{suggestion.id}",
        kind="suggestion_decision",
        subject=(SUBJECT, suggestion.id),
        message=notices.message("合理化建议进展", text, thing=text[:20], when=now),
        people=people,
        settings=settings,
        now=now,
        created_by=by,
    )
