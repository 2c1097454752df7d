"""支部概览's JSON, the 台账 .xlsx and the Word summary checked against records made here."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from app.models import AdminRole
from tests.reports.records import make_year
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.console import (
    add_user,
    audit_entries,
    default_units,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock


def _month(values: list[float], month: int) -> float:
    return values[month - 1]


@pytest.mark.both_databases  # the 台账's cells are made in SQL, each database its own way
async def test_figures_ledger_and_summary_match_the_records_within_scope(
    console: AppClient, clock: Clock
) -> None:
    """The unit's secretary sees its year month by month and downloads it; another unit's
    secretary sees nothing of it; an admin sees the whole branch and the talks sheet."""
    clock.set(china(2026, 12, 1, 9))
    units = await default_units(console)
    mine, other, third = units.groups[:3]
    async with console.sessions() as session:
        await make_year(session, unit_id=mine, other_unit_id=other)
        await session.commit()
    await add_user(console, "sec-mine", AdminRole.SECRETARY, mine)
    await add_user(console, "sec-third", AdminRole.SECRETARY, third)
    await add_user(console, "boss", AdminRole.ADMIN)

    await sign_in(console, "sec-mine")
    page = await console.get("/admin/reports")
    assert page.status_code == 200 and "一键导出工作台账" in page.text
    assert "echarts.min.js" in page.text
    data = (await console.get("/admin/reports/data?year=2026")).json()
    series = data["series"]
    assert _month(series["meetings_came"], 3) == 2 and _month(series["meetings_asked"], 3) == 3
    assert _month(series["study_came"], 4) == 1 and _month(series["study_asked"], 4) == 3
    assert _month(series["pledges"], 1) == 2 and sum(series["pledges"]) == 2
    assert _month(series["tests"], 5) == 2
    assert _month(series["thought_reports"], 6) == 1
    assert _month(series["suggestions"], 7) == 2 and _month(series["golden"], 7) == 1
    assert _month(series["benefit"], 7) == 12000
    assert _month(series["volunteer_hours"], 8) == 3 and _month(series["volunteer_times"], 8) == 1
    stages = {p["stage"]: p["count"] for p in data["pipeline"]}
    assert stages["full"] == 1 and stages["probationary"] == 1 and stages["applicant"] == 1
    assert data["charts"][0]["link"] == "/admin/meetings?year=2026"

    sheet = await console.get("/admin/reports/ledger.xlsx?year=2026")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content), read_only=True)
    assert "廉政谈话" not in book.sheetnames  # admins only
    meetings = list(book["三会一课"].values)
    assert len(meetings) == 1 + 3 and [row[6] for row in meetings[1:]].count("已签到") == 2
    # China time to the minute, the kind's label, the unit's name.
    assert meetings[1][:5] == ("2026-03-10 14:00", "支部党员大会", "3月会议", "赵一", "R001")
    assert str(meetings[1][5]).endswith("党小组")
    study = [(*row, None)[6:8] for row in list(book["固定学习日"].values)[1:]]  # 出勤, 补学
    assert sorted(study, key=str) == sorted(
        [("已签到", None), ("请假", "已补学"), ("缺席", None)], key=str
    )
    pledged = list(book["廉洁承诺"].values)
    assert len(pledged) == 1 + 2 and pledged[1][4:6] == ("第 1 版", "2026-01-08 10:00")
    tests = list(book["知识测试"].values)
    assert sorted(int(str(row[4])) for row in tests[1:]) == [50, 90]
    assert {row[6] for row in tests[1:]} == {"2026-05-06 10:00"}
    suggestions = list(book["合理化建议"].values)
    assert len(suggestions) == 1 + 2 and 12000 in [row[7] for row in suggestions[1:]]
    assert [(row[1], row[8]) for row in suggestions[1:]] == [
        ("2026-07-01", ""),
        ("2026-07-02", "是"),
    ]
    served = list(book["志愿服务"].values)[1]
    assert (served[0], served[-1]) == ("2026-08-08", 3)
    [_, assessed] = list(book["三亮三挂三考核"].values)  # the other unit's sheet not among them
    assert (assessed[0], assessed[1]) == ("2026年9月", "赵一")
    assert (assessed[-3], assessed[-2]) == (92.5, "好")

    word = await console.get("/admin/reports/summary.docx?year=2026")
    assert word.status_code == 200
    text = "".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert "全年召开支部党员大会 1 次" in text
    assert "开展党员固定学习日 1 次" in text
    assert "收集合理化建议 2 条，评选金点子 1 个，创造经济效益约 ¥12,000 元" in text
    assert "志愿服务 1 人次 3 小时" in text
    actions = [e.action for e in await audit_entries(console, "reports.")]
    assert sorted(actions) == ["reports.ledger_export", "reports.word_export"]

    stranger = second_browser(console)
    await sign_in(stranger, "sec-third")
    theirs = (await stranger.get(f"/admin/reports/data?year=2026&unit={mine}")).json()
    assert theirs["unit_id"] is None
    assert all(sum(values) == 0 for values in theirs["series"].values())
    assert all(p["count"] == 0 for p in theirs["pipeline"])
    empty = load_workbook(
        io.BytesIO((await stranger.get(f"/admin/reports/ledger.xlsx?unit={mine}")).content),
        read_only=True,
    )
    assert all(len(list(empty[name].values)) == 1 for name in empty.sheetnames)

    admin = second_browser(console)
    await sign_in(admin, "boss")
    branch = (await admin.get("/admin/reports/data?year=2026")).json()["series"]
    assert _month(branch["meetings_came"], 3) == 3 and sum(branch["suggestions"]) == 3
    one = (await admin.get(f"/admin/reports/data?year=2026&unit={other}")).json()["series"]
    assert sum(one["pledges"]) == 1 and sum(one["tests"]) == 0
    full = load_workbook(
        io.BytesIO((await admin.get("/admin/reports/ledger.xlsx?year=2026")).content),
        read_only=True,
    )
    assert len(list(full["廉政谈话"].values)) == 1 + 1


async def test_every_chart_opens_the_records_behind_the_clicked_month(
    console: AppClient, clock: Clock
) -> None:
    """Each chart's links, with a clicked month filled in as reports.js does, open a console
    page the unit's secretary may see; the meetings page holds the month clicked."""
    clock.set(china(2026, 12, 1, 9))
    units = await default_units(console)
    mine, other = units.groups[:2]
    async with console.sessions() as session:
        await make_year(session, unit_id=mine, other_unit_id=other)
        await session.commit()
    await add_user(console, "sec-links", AdminRole.SECRETARY, mine)
    await sign_in(console, "sec-links")
    charts = (await console.get("/admin/reports/data?year=2026")).json()["charts"]
    links = []
    for chart in charts:
        links += [chart["link"], chart.get("month_link"), *chart.get("series_links", {}).values()]
        if chart["kind"] == "pipeline":
            links.append(chart["bar_link"] + "probationary")
    # The records made: 三会一课 in March, the study day in April.
    filled = [
        link.replace("{month}", "4" if "study_day" in link else "3")
        .replace("{start}", "2026-03-01")
        .replace("{end}", "2026-03-31")
        for link in links
        if link
    ]
    assert not [link for link in filled if "{" in link]
    for link in filled:
        page = await console.get(link.split("#")[0])
        assert page.status_code == 200, link
        if "#" in link:
            assert f'id="{link.split("#")[1]}"' in page.text, link
