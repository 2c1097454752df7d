"""The decisions on a suggestion, each atomic and dated: 评审 → 采纳/不采纳/合并 → 实施 →
效益核定 → 金点子. Two deciding one suggestion at once: one decision stands, the other is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Suggestion, SuggestionCampaign
from app.models import SuggestionStatus as S
from app.services import audit
from app.services.suggestions.records import SuggestionRefused, add_event, status_label

MAX_MONEY = Decimal("999999999999.99")


class DecisionConflict(SuggestionRefused):
    """The suggestion no longer stands where the decision may follow: someone decided first."""


MAX_NOTE = 2000


@dataclass(frozen=True)
class Step:
    """One decision: the statuses it may follow, where it leads, the date it sets, its name."""

    sources: frozenset[S]
    target: S
    dated: str | None
    title: str


STEPS: dict[str, Step] = {
    "review": Step(frozenset({S.RECEIVED}), S.REVIEWING, None, "开始评审"),
    "adopt": Step(frozenset({S.RECEIVED, S.REVIEWING}), S.ADOPTED, "adopted_at", "采纳"),
    "reject": Step(frozenset({S.RECEIVED, S.REVIEWING}), S.REJECTED, None, "不采纳"),
    "merge": Step(frozenset({S.RECEIVED, S.REVIEWING}), S.MERGED, None, "合并到先前建议"),
    "implementing": Step(frozenset({S.ADOPTED}), S.IMPLEMENTING, None, "开始实施"),
    "implemented": Step(
        frozenset({S.ADOPTED, S.IMPLEMENTING}), S.IMPLEMENTED, "implemented_at", "实施完成"
    ),
    "verify": Step(frozenset({S.IMPLEMENTED}), S.VERIFIED, "verified_at", "效益核定"),
    "award": Step(frozenset({S.IMPLEMENTED, S.VERIFIED}), S.GOLDEN, "awarded_at", "评为金点子"),
}


def parse_money(text: str | None, *, what: str = "效益金额") -> Decimal:
    """A ¥ amount typed in the console ("12,500.50", "¥8000元"); refused when not a number,
    negative or too large."""
    raw = (text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    raw = raw.removesuffix("元").strip()
    if not raw:
        raise SuggestionRefused(f"请填写{what}（元）。")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise SuggestionRefused(
            f"{what}须为数字（单位：元），例如 12500.50；「{text}」不是数字。"
        ) from None
    if not amount.is_finite():
        raise SuggestionRefused(f"{what}须为数字（单位：元），例如 12500.50。")
    if amount < 0:
        raise SuggestionRefused(f"{what}不能为负数。")
    if amount > MAX_MONEY:
        raise SuggestionRefused(f"{what}过大，请核对（单位：元）。")
    return amount.quantize(Decimal("0.01"))


def allowed(suggestion: Suggestion) -> list[str]:
    """The decisions that may follow where the suggestion stands."""
    return [name for name, step in STEPS.items() if S(suggestion.status) in step.sources]


def _note(text: str | None, what: str, *, required: bool) -> str | None:
    value = (text or "").strip()
    if required and not value:
        raise SuggestionRefused(f"请填写{what}。")
    if len(value) > MAX_NOTE:
        raise SuggestionRefused(f"{what}不能超过 {MAX_NOTE} 字。")
    return value or None


async def _values(
    session: AsyncSession, suggestion: Suggestion, action: str, form: dict[str, str]
) -> tuple[dict[str, Any], str | None, Decimal | None]:
    """What the decision writes, its timeline note and amount; refused when the form is wrong."""
    values: dict[str, Any] = {}
    if action == "adopt":
        estimate = (form.get("estimated_benefit") or "").strip()
        if estimate:
            values["estimated_benefit"] = parse_money(estimate, what="预计效益")
        note = _note(form.get("note"), "采纳意见", required=False)
        return values, note, values.get("estimated_benefit")
    if action == "reject":
        reason = _note(form.get("reason"), "不采纳的理由（将告知建议人）", required=True)
        values["reject_reason"] = reason
        return values, reason, None
    if action == "merge":
        target = await _merge_target(session, suggestion, form.get("merge_into"))
        values["merged_into_id"] = target.id
        return values, f"合并到建议 {target.number}", None
    if action == "verify":
        amount = parse_money(form.get("verified_benefit"), what="核定效益")
        basis = _note(form.get("benefit_basis"), "核定依据", required=True)
        verifier = _note(form.get("verified_by"), "核定人", required=True)
        values.update(
            verified_benefit=amount, benefit_basis=basis, verified_by=(verifier or "")[:64]
        )
        return values, f"核定效益 ¥{amount:,.2f}，依据：{basis}，核定人：{verifier}", amount
    if action == "award":
        campaign = await _campaign(session, form.get("campaign_id"))
        award = _note(form.get("award"), "奖项（如一等奖）", required=True)
        if award and len(award) > 40:
            raise SuggestionRefused("奖项名称不能超过 40 字。")
        values.update(campaign_id=campaign.id, award=award)
        return values, f"在「{campaign.name}」中评为金点子：{award}", None
    return values, _note(form.get("note"), "说明", required=False), None


async def _merge_target(
    session: AsyncSession, suggestion: Suggestion, raw: str | None
) -> Suggestion:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise SuggestionRefused("请选择要合并到的先前建议。")
    target = await session.get(Suggestion, int(text))
    if target is None or target.id == suggestion.id or (target.id or 0) > (suggestion.id or 0):
        raise SuggestionRefused("只能合并到一条更早的建议。")
    if target.status == S.MERGED.value:
        raise SuggestionRefused("那条建议本身已被合并，请合并到它所合并到的建议。")
    return target


async def _campaign(session: AsyncSession, raw: str | None) -> SuggestionCampaign:
    text = (raw or "").strip()
    campaign = (
        await session.get(SuggestionCampaign, int(text))
        if text.isdigit() and len(text) < 10
        else None
    )
    if campaign is None:
        raise SuggestionRefused("请选择评选活动（先在「评选活动」中创建）。")
    return campaign


async def decide(
    session: AsyncSession,
    *,
    suggestion: Suggestion,
    action: str,
    form: dict[str, str],
    by: audit.Actor,
    now: datetime,
) -> Suggestion:
    """Make one decision, atomically: refused (SuggestionRefused) when the form is wrong or the
    suggestion no longer stands where the decision may follow (someone decided first)."""
    step = STEPS.get(action)
    if step is None:
        raise SuggestionRefused("未知的操作。")
    assert suggestion.id is not None
    before = suggestion.status
    if S(before) not in step.sources:
        raise DecisionConflict(
            f"这条建议现在是「{status_label(before)}」，不能「{step.title}」。请刷新页面查看。"
        )
    values, note, amount = await _values(session, suggestion, action, form)
    if step.dated:
        values[step.dated] = now
    # The conditional update is the decision: of two at once, the second matches no row.
    statement = (
        update(Suggestion)
        .where(col(Suggestion.id) == suggestion.id, col(Suggestion.status) == before)
        .values(status=step.target.value, **values)
    )
    result = await session.exec(statement)
    if getattr(result, "rowcount", 0) != 1:
        await session.refresh(suggestion)
        raise DecisionConflict(
            f"这条建议刚刚已由他人处理（现在是「{status_label(suggestion.status)}」），"
            "您的操作没有生效。请刷新页面查看。"
        )
    await session.refresh(suggestion)
    await add_event(
        session,
        suggestion=suggestion,
        kind=action,
        by=by,
        now=now,
        from_status=before,
        note=note,
        amount=amount,
    )
    await audit.record(
        session,
        actor=by,
        action="suggestion.decide",
        target_type="suggestion",
        target_id=suggestion.id,
        summary=f"{suggestion.number}：{step.title}",
    )
    return suggestion
