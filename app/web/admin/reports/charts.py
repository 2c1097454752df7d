"""What each chart of 支部概览 draws, and the console page with the records behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


def _url(path: str, **params: object) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path


def charts(year: int, unit_id: int | None) -> list[dict[str, Any]]:
    """The charts in page order: title, kind, series (key, name) and links.

    `link` is the page for the whole year; `month_link` (and `series_links`, per series) may
    name the clicked month as {month}, or its first and last day as {start} and {end};
    `bar_link` for the pipeline is per stage.
    """
    unit = unit_id or ""
    return [
        {
            "id": "attendance",
            "title": "三会一课与固定学习日出勤（人次）",
            "kind": "bar",
            "series": [
                ("meetings_asked", "三会一课应到"),
                ("meetings_came", "三会一课实到"),
                ("study_asked", "学习日应到"),
                ("study_came", "学习日实到"),
            ],
            "link": _url("/admin/meetings", year=year),
            "month_link": _url("/admin/meetings", year=year) + "#month-{month}",
            "series_links": {
                key: _url("/admin/meetings", year=year, kind="study_day") + "#month-{month}"
                for key in ("study_asked", "study_came")
            },
        },
        {
            "id": "integrity",
            "title": "廉洁承诺签署与知识测试（人次）",
            "kind": "bar",
            "series": [("pledges", "承诺书签署"), ("tests", "测试提交")],
            "link": "/admin/pledges",
            "series_links": {"tests": "/admin/quizzes"},
        },
        {
            "id": "thought_reports",
            "title": "思想汇报（份）",
            "kind": "bar",
            "series": [("thought_reports", "思想汇报")],
            "link": _url("/admin/admission", unit=unit),
        },
        {
            "id": "pipeline",
            "title": "发展党员各阶段人数（当前）",
            "kind": "pipeline",
            "series": [],
            "link": _url("/admin/people", unit=unit),
            "bar_link": _url("/admin/people", unit=unit) + ("&" if unit else "?") + "stage=",
        },
        {
            "id": "suggestions",
            "title": "合理化建议与核定效益",
            "kind": "bar",
            "series": [("suggestions", "建议（条）"), ("golden", "金点子（个）")],
            "line": ("benefit", "核定效益（元）"),
            "link": _url("/admin/suggestions", start=f"{year}-01-01", end=f"{year}-12-31"),
            "month_link": "/admin/suggestions?start={start}&end={end}",
        },
        {
            "id": "volunteering",
            "title": "志愿服务",
            "kind": "bar",
            "series": [("volunteer_times", "人次"), ("volunteer_hours", "小时")],
            "link": "/admin/volunteering",
        },
        {
            "id": "newsletters",
            "title": "刊物送达与阅读（人次）",
            "kind": "bar",
            "series": [("newsletter_reach", "送达"), ("newsletter_reads", "阅读")],
            "link": "/admin/newsletters",
        },
    ]
