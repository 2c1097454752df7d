"""A meeting's attendance sheet (签到表) as an Excel workbook: one row per invitee, then totals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl.styles import Font

from app.models import LeaveStatus
from app.services import spreadsheets
from app.services.meetings.meetings import name_of
from app.services.meetings.sheet import Presence, Sheet, SheetLine

HEADERS = (
    "姓名",
    "所在单位",
    "出勤",
    "签到时间",
    "签到方式",
    "请假原因",
    "请假审批",
    "补学时间",
    "补学内容",
)
_WIDTHS = (12, 30, 10, 20, 12, 30, 20, 20, 50)
HEADER_ROW = 3  # after the title and the meeting's details


def leave_label(line: SheetLine) -> str:
    """ "已准假（说明）", "待审批" … for the line's latest leave request; empty for none."""
    if line.leave is None:
        return ""
    try:
        label = LeaveStatus(line.leave.status).label
    except ValueError:
        label = line.leave.status
    return f"{label}（{line.leave.decision_note}）" if line.leave.decision_note else label


def summary(sheet: Sheet) -> list[tuple[str, int]]:
    """The totals the page and the workbook show, in reading order."""
    figures = [
        ("应到", sheet.invited),
        ("已签到", sheet.count(Presence.PRESENT)),
        ("请假", sheet.count(Presence.ON_LEAVE)),
        ("请假待批", sheet.count(Presence.LEAVE_PENDING)),
        ("缺席", sheet.count(Presence.ABSENT)),
    ]
    # Before the meeting ends nobody is absent yet; those not checked in are counted apart.
    if not_yet := sheet.count(Presence.NOT_YET):
        figures.append(("未签到", not_yet))
    figures.append(("已补学", sheet.made_up))
    return figures


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    # Text, not an Excel date: Excel has no time zones and would show the UTC value.
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def workbook(
    sheet: Sheet, *, zone: ZoneInfo, host: str | None = None, note: str | None = None
) -> bytes:
    """The .xlsx bytes: the meeting in two title rows, one row per invitee, then the totals."""
    meeting = sheet.meeting
    book = spreadsheets.Book()
    # Names, reasons and make-up texts come from members: the writer keeps them text.
    out = book.sheet("签到表", wrap=[len(HEADERS)])
    ws = out.worksheet
    last = len(HEADERS)

    out.row([f"签到表：{name_of(meeting)}"])[0].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    details = [f"地点：{meeting.place or '未填写'}", f"主持人：{host or '未填写'}"]
    if meeting.lecturer:
        details.append(f"主讲人：{meeting.lecturer}")
    if note:
        details.append(note)
    out.row(["　".join(details)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)

    out.header(HEADERS, widths=_WIDTHS)
    assert out.header_row == HEADER_ROW

    for line in sheet.lines:
        out.row(
            [
                line.name,
                line.unit,
                line.presence.label,
                _local(line.checked_in_at, zone),
                line.via_label,
                line.leave.reason if line.leave else "",
                leave_label(line),
                _local(line.makeup.submitted_at, zone) if line.makeup else "",
                line.makeup.content if line.makeup else "",
            ]
        )

    # The totals below a blank row: their names, then the numbers (numbers, so Excel can add).
    figures = summary(sheet)
    out.row([])
    out.row(["汇总", *(label for label, _ in figures)], bold=True)
    out.row(["人数", *(count for _, count in figures)])
    return book.to_bytes()
