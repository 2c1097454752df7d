"""A broadcast as an Excel workbook: one row per person (推送明细) and the numbers (汇总)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from app.models import BroadcastStatus, Channel, RecipientStatus
from app.models.types import label_of
from app.services import spreadsheets
from app.services.broadcasts.progress import Progress, RecipientLine

DETAIL_HEADERS = (
    "姓名",
    "工号",
    "渠道",
    "状态",
    "原因",
    "尝试次数",
    "发送时间",
    "微信消息编号",
    "错误码",
    "回执",
    "阅读时间",
)
_WIDTHS = (12, 12, 12, 12, 40, 10, 20, 22, 10, 22, 20)
# The summary's order: how the secretary reads it, outcomes before the in-between states.
SUMMARY_STATUSES = (
    RecipientStatus.SENT,
    RecipientStatus.FAILED,
    RecipientStatus.UNREACHABLE,
    RecipientStatus.UNKNOWN,
    RecipientStatus.PENDING,
    RecipientStatus.SENDING,
    RecipientStatus.CANCELLED,
)


def status_label(value: str) -> str:
    """A recipient status in Chinese (unknown values as they are)."""
    return label_of(RecipientStatus, value)


def channel_label(value: str | None) -> str:
    """A channel in Chinese; none for the unreachable."""
    if value is None:
        return ""
    return label_of(Channel, value)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    # Text, not an Excel date: Excel has no time zones and would show the UTC value.
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def workbook(
    progress: Progress, rows: Sequence[RecipientLine], *, title: str, zone: ZoneInfo
) -> bytes:
    """The .xlsx bytes: sheet 推送明细 (one row per person) and sheet 汇总 (the counts)."""
    book = spreadsheets.Book()
    detail = book.sheet("推送明细", DETAIL_HEADERS, widths=_WIDTHS)
    for line in rows:
        detail.row(
            [
                line.name,
                line.employee_no,
                channel_label(line.channel),
                status_label(line.status),
                line.reason or "",
                line.attempts,
                _local(line.sent_at, zone),
                str(line.msgid) if line.msgid is not None else "",  # 64-bit ids lose digits
                line.errcode if line.errcode is not None else "",
                line.receipt or "",
                _local(line.opened_at, zone),
            ]
        )

    summary = book.sheet("汇总", ("项目", "数量"), widths=(24, 40))
    try:
        overall = BroadcastStatus(progress.status).label
    except ValueError:
        overall = progress.status
    summary.row(["推送", title])
    summary.row(["状态", overall])
    summary.row(["总人数", progress.total])
    summary.row(["可送达", progress.reachable])
    for status in SUMMARY_STATUSES:
        summary.row([status.label, progress.count(status)])
    summary.row(["已阅读", progress.opened])
    summary.row(["完成度", f"{progress.percent}%"])
    for channel, count in sorted(progress.by_channel.items()):
        summary.row([f"渠道：{channel_label(channel)}", count])
    for reason, count in sorted(progress.reasons.items(), key=lambda item: -item[1]):
        summary.row([f"原因：{reason}", count])

    return book.to_bytes()
