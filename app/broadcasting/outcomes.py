"""What happened to each row, in the secretary's words: WeChat's errors mapped to outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.models import RecipientStatus
from app.services.broadcasts.rows import Claimed, Outcome, retry_delay
from app.wechat.errors import (
    PermanentError,
    QuotaError,
    TransientError,
    WeChatError,
    WindowClosedError,
)

# What the secretary reads next to a failed or unreachable row.
PERMANENT_REASONS = {
    43004: "已取消关注公众号",
    40003: "微信 openid 无效",
    43101: "未订阅该通知",
    48001: "公众号没有该接口权限",
    40037: "模板 ID 无效",
    47003: "模板内容不符合微信规则",
}
LOST_ANSWER = "微信未及时应答，可能已送达；等待微信回执确认"
INTERNAL = "系统内部错误，结果待确认"
UNREACHABLE_CODES = frozenset({43004, 40003, 43101})


@dataclass
class SendReport:
    """What one run did, row by row."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    unknown: int = 0
    retrying: int = 0
    paused: list[int] = field(default_factory=list)
    broadcasts: list[int] = field(default_factory=list)
    reconciled: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        """Tally one outcome."""
        match outcome.status:
            case RecipientStatus.SENT:
                self.sent += 1
            case RecipientStatus.FAILED:
                self.failed += 1
            case RecipientStatus.UNREACHABLE:
                self.unreachable += 1
            case RecipientStatus.UNKNOWN:
                self.unknown += 1
            case _:
                self.retrying += 1


def failure_outcome(
    row: Claimed,
    exc: WeChatError,
    *,
    now: datetime,
    max_attempts: int,
    retry_base: float,
) -> Outcome:
    """What a WeChat error means for one row: retry, pause, in doubt, unreachable or failed."""
    assert row.id is not None
    if isinstance(exc, QuotaError):
        return Outcome(
            row.id,
            RecipientStatus.PENDING,
            errcode=exc.errcode,
            reason="微信今日额度已用完，暂停后继续",
            counts_attempt=False,
        )
    if isinstance(exc, WindowClosedError):
        return Outcome(
            row.id,
            RecipientStatus.UNREACHABLE,
            errcode=exc.errcode,
            reason="不在 48 小时客服消息时限内",
        )
    if isinstance(exc, TransientError):
        if exc.maybe_done:
            return Outcome(
                row.id,
                RecipientStatus.UNKNOWN,
                errcode=exc.errcode,
                reason=LOST_ANSWER,
                in_doubt_since=now,
            )
        attempts = row.attempts + 1
        if attempts >= max_attempts:
            return Outcome(
                row.id,
                RecipientStatus.FAILED,
                errcode=exc.errcode,
                reason=f"重试 {attempts} 次仍失败（{exc.errmsg}）",
            )
        delay = retry_delay(attempts, base=retry_base)
        return Outcome(
            row.id,
            RecipientStatus.PENDING,
            errcode=exc.errcode,
            reason="暂时失败，稍后自动重试",
            next_attempt_at=now + delay,
        )
    if isinstance(exc, PermanentError) and exc.errcode in PERMANENT_REASONS:
        status = (
            RecipientStatus.UNREACHABLE
            if exc.errcode in UNREACHABLE_CODES
            else RecipientStatus.FAILED
        )
        return Outcome(row.id, status, errcode=exc.errcode, reason=PERMANENT_REASONS[exc.errcode])
    return Outcome(
        row.id,
        RecipientStatus.FAILED,
        errcode=exc.errcode,
        reason=f"微信返回错误 {exc.errcode}：{exc.errmsg}"[:200],
    )
