"""知识测试 in the console: the bank upload, the test form, publishing, results and the export."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

import openpyxl
from sqlmodel import col, select

from app.models import (
    AdminRole,
    Broadcast,
    BroadcastRecipient,
    Question,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizStatus,
)
from tests.support.app import AppClient
from tests.support.broadcasts import sender_for
from tests.support.chat import add_party_members, branch_id, china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows
from tests.support.question_bank import SUPERVISION, bank_xlsx, import_bank, questions, row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = china(2026, 12, 1, 9)


def quiz_form(unit_id: int, picked: list[int], /, **changes: object) -> dict[str, object]:
    """A complete, valid test form as the browser submits it."""
    return {
        "title": "监察法知识测试",
        "description": "学习贯彻《监察法》。",
        "org_unit_id": str(unit_id),
        "audience": "party_members",
        "deadline_date": "2026-12-08",
        "deadline_time": "18:00",
        "pass_mark": "60",
        "bank": "监察法",
        "question_ids": [str(q) for q in picked],
        "action": "save",
        **changes,
    }


def flashes(html: str) -> str:
    """The flash messages a page shows, one a line."""
    found = re.findall(r'<div class="alert alert-\w+ py-2" role="\w+">([^<]*)<', html)
    return "\n".join(m.strip() for m in found)


def _group(pattern: str, html: str) -> str:
    """The first group of the pattern's first match in the page (which must have one)."""
    match = re.search(pattern, html)
    assert match is not None, pattern
    return match.group(1)


def cells(html: str, testid: str) -> list[str]:
    """The text of every element with this data-testid, in page order."""
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</t[dr]>|', html)
        if m
    ]


async def ready(console: AppClient, clock: Clock) -> tuple[int, list[int]]:
    """An admin signed in, the 监察法 bank imported; the branch id and the question ids."""
    clock.set(NOW)
    await admin_console(console)
    await import_bank(console, bank_xlsx(SUPERVISION))
    return await branch_id(console), [q.id for q in await questions(console) if q.id]


async def create(console: AppClient, form: dict[str, object]) -> int:
    """Submit the new-test form; the new test's id."""
    response = await post_form(console, "/admin/quizzes/new", form)
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/admin/quizzes/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


async def stored_quiz(console: AppClient, quiz_id: int) -> Quiz:
    """The test as stored now."""
    async with console.sessions() as session:
        quiz = await session.get(Quiz, quiz_id)
        assert quiz is not None
        return quiz


async def quiz_questions(console: AppClient, quiz_id: int) -> list[int]:
    """The test's question ids in order."""
    async with console.sessions() as session:
        statement = (
            select(QuizQuestion.question_id)
            .where(QuizQuestion.quiz_id == quiz_id)
            .order_by(col(QuizQuestion.position))
        )
        return list((await session.exec(statement)).all())


async def notices(console: AppClient) -> list[Broadcast]:
    """Every broadcast stored."""
    async with console.sessions() as session:
        return list((await session.exec(select(Broadcast))).all())


# --- the bank -------------------------------------------------------------------------------


async def test_upload_a_bank_then_browse_filter_and_retire(
    console: AppClient, clock: Clock
) -> None:
    """Upload: the counts; the bank page lists it with its questions; 停用 and 启用 (audited)."""
    clock.set(NOW)
    await admin_console(console)
    assert "导入题库" in (await console.get("/admin/questions/import")).text
    upload = {"file": ("监察法题库.xlsx", bank_xlsx(SUPERVISION), XLSX)}
    response = await console.post(
        "/admin/questions/import",
        data={"csrf_token": await _token(console), "bank": " 监察法 "},
        files=upload,
    )
    assert response.status_code == 200, response.text[:2000]
    assert "导入完成" in response.text
    assert re.search(r'data-testid="created">6<', response.text)
    again = await console.post(
        "/admin/questions/import",
        data={"csrf_token": await _token(console), "bank": "监察法"},
        files=upload,
    )
    assert re.search(r'data-testid="unchanged">6<', again.text)
    assert await count_rows(console, Question) == 6

    page = (await console.get("/admin/questions")).text
    assert "监察法" in page and re.search(r'data-testid="bank-active">6<', page)
    judges = (await console.get("/admin/questions?bank=监察法&kind=judge")).text
    assert "监察委员会是行政机关。" in judges and "《监察法》自何时起施行？" not in judges
    assert re.search(r'data-testid="question-count">2<', judges)

    target = next(q for q in await questions(console) if q.stem == "监察委员会是行政机关。")
    back = "/admin/questions?bank=监察法&kind=judge"
    response = await post_form(console, f"/admin/questions/{target.id}/retire", {"next": back})
    assert response.status_code == 303 and unquote(response.headers["location"]) == back
    page = (await console.get(back)).text
    assert "已停用：监察委员会是行政机关。" in page and "已停用</span>" in page
    again = await post_form(console, f"/admin/questions/{target.id}/retire", {})
    assert "这道题已经停用了。" in flashes((await console.get(again.headers["location"])).text)
    await post_form(console, f"/admin/questions/{target.id}/restore", {})
    assert [q.active for q in await questions(console)] == [True] * 6
    assert [e.action for e in await audit_entries(console, "question.")] == [
        "question.restore",
        "question.retire",
        "question.import",
        "question.import",
    ]
    template = await console.get("/admin/questions/template.xlsx")
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0]["B1"].value == "题干"


async def _token(console: AppClient) -> str:
    from tests.support.console import csrf

    return await csrf(console)


async def test_a_bad_upload_lists_every_bad_row_and_stores_nothing(
    console: AppClient, clock: Clock
) -> None:
    """The page names each bad row; no bank name, no file or a non-xlsx file: the reason."""
    clock.set(NOW)
    await admin_console(console)
    bad = bank_xlsx(
        [
            SUPERVISION[0],
            row("单选", "两个答案", ["甲", "乙"], "AB"),
            row("多选", "", ["甲", "乙"], "AB"),
        ]
    )
    response = await console.post(
        "/admin/questions/import",
        data={"csrf_token": await _token(console), "bank": "监察法"},
        files={"file": ("bad.xlsx", bad, XLSX)},
    )
    assert response.status_code == 400
    assert "未导入任何题目" in response.text and "有 2 处问题" in response.text
    assert "第 3 行" in response.text and "单选题只能有一个答案" in response.text
    assert "第 4 行" in response.text and "题干为空" in response.text
    for data, files, message in [
        ({"bank": ""}, {"file": ("a.xlsx", bad, XLSX)}, "请填写题库名称"),
        ({"bank": "监察法"}, None, "请选择要导入的题库文件"),
        ({"bank": "监察法"}, {"file": ("a.csv", b"a,b\n1,2\n", "text/csv")}, "只支持 Excel"),
        ({"bank": "题" * 51}, {"file": ("a.xlsx", bad, XLSX)}, "题库名称最多 50 个字"),
    ]:
        response = await console.post(
            "/admin/questions/import",
            data={"csrf_token": await _token(console), **data},
            files=files,
        )
        assert response.status_code == 400 and message in response.text, message
    assert await count_rows(console, Question) == 0
    assert await audit_entries(console, "question.") == []


# --- the form -------------------------------------------------------------------------------


async def test_form_validations_show_each_reason_and_store_nothing(
    console: AppClient, clock: Clock
) -> None:
    """No question, a past deadline, a pass mark out of range, a named list without names, …"""
    unit, ids = await ready(console, clock)
    assert "新建测试" in (await console.get("/admin/quizzes/new")).text
    retired = ids[0]
    async with console.sessions() as session:
        question = await session.get(Question, retired)
        assert question is not None
        question.active = False
        session.add(question)
        await session.commit()
    cases: list[tuple[dict[str, object], str]] = [
        ({"question_ids": []}, "请至少选择一道题。"),
        ({"deadline_date": "2026-11-30"}, "截止时间应晚于现在。"),
        ({"deadline_date": "明天"}, "请选择截止日期"),
        ({"pass_mark": "0"}, "合格线应为 1 到 100 之间的整数。"),
        ({"pass_mark": "101"}, "合格线应为 1 到 100 之间的整数。"),
        ({"pass_mark": "六十"}, "合格线应为 1 到 100 之间的整数。"),
        ({"audience": "people"}, "请至少选择一位参加测试的人员。"),
        ({"audience": "everyone"}, "请选择测试对象。"),
        ({"title": "  "}, "请填写测试名称"),
        ({"org_unit_id": "999"}, "请从列表中选择组织单位。"),
        ({"question_ids": [str(retired)]}, "有 1 道题已停用，不能再选入测试。"),
        ({"question_ids": ["99999"]}, "有 1 道题已不存在"),
    ]
    for changes, message in cases:
        response = await post_form(
            console,
            "/admin/quizzes/new",
            quiz_form(unit, ids[1:], **changes),
        )
        assert response.status_code == 400, changes
        assert message in response.text, (changes, message)
    assert await count_rows(console, Quiz) == 0
    assert await audit_entries(console, "quiz.") == []


async def test_random_draw_fills_the_form_without_saving(console: AppClient, clock: Clock) -> None:
    """随机抽取 per kind: the drawn questions come back ticked; too many: the bank's count."""
    unit, _ = await ready(console, clock)
    form = quiz_form(unit, [], action="draw", draw_single="1", draw_judge="2")
    response = await post_form(console, "/admin/quizzes/new", form)
    assert response.status_code == 200
    assert "已从「监察法」随机抽取 3 题" in response.text
    drawn = [
        int(v)
        for v in re.findall(
            r'name="question_ids" value="(\d+)" id="q-\d+" checked data-testid="chosen-question"',
            response.text,
        )
    ]
    kinds = {q.id: q.kind for q in await questions(console)}
    assert [kinds[q] for q in drawn] == ["single", "judge", "judge"]
    assert await count_rows(console, Quiz) == 0
    too_many = quiz_form(unit, [], action="draw", draw_multiple="3")
    response = await post_form(console, "/admin/quizzes/new", too_many)
    assert response.status_code == 400
    assert "题库「监察法」只有 2 道可用的多选题，不够抽取 3 道。" in response.text
    anything = quiz_form(unit, [], action="draw", draw_total="6")
    response = await post_form(console, "/admin/quizzes/new", anything)
    assert "随机抽取 6 题" in response.text
    # Saving what was drawn stores it in the order shown.
    quiz_id = await create(console, quiz_form(unit, drawn))
    assert await quiz_questions(console, quiz_id) == drawn


# --- publishing -----------------------------------------------------------------------------


async def test_publish_sends_one_notice_to_the_takers_and_locks_the_test(
    console: AppClient, clock: Clock
) -> None:
    """Draft → edit → publish: one quiz_notice to the Party members; a second publish sends none."""
    unit, ids = await ready(console, clock)
    members = await add_party_members(console, 3)
    await add_person(console, "M001", "群众甲", unit)  # not a Party member: not asked
    quiz_id = await create(console, quiz_form(unit, ids[:2]))
    saved = flashes((await console.get(f"/admin/quizzes/{quiz_id}")).text)
    assert saved == "已保存测试：监察法知识测试（草稿，发布后才会通知参加人员）。"
    assert await notices(console) == []
    edit = await console.get(f"/admin/quizzes/{quiz_id}/edit")
    assert edit.status_code == 200 and "监察法知识测试" in edit.text
    changed = quiz_form(unit, [ids[3], ids[0], ids[4]], pass_mark="80")
    response = await post_form(console, f"/admin/quizzes/{quiz_id}/edit", changed)
    assert response.status_code == 303
    assert await quiz_questions(console, quiz_id) == [ids[3], ids[0], ids[4]]

    response = await post_form(console, f"/admin/quizzes/{quiz_id}/publish", {})
    assert response.status_code == 303
    page = (await console.get(f"/admin/quizzes/{quiz_id}")).text
    assert "已发布测试：监察法知识测试。已向 3 人发送答题通知。" in flashes(page)
    quiz = await stored_quiz(console, quiz_id)
    assert quiz.status == QuizStatus.OPEN.value and quiz.published_at == NOW
    [notice] = await notices(console)
    assert (notice.key, notice.kind, notice.subject_type, notice.subject_id) == (
        f"quiz:{quiz_id}:notice",
        "quiz_notice",
        "quiz",
        quiz_id,
    )
    async with console.sessions() as session:
        people = (
            await session.exec(
                select(BroadcastRecipient.person_id).where(
                    BroadcastRecipient.broadcast_id == notice.id
                )
            )
        ).all()
    assert sorted(people) == sorted(m.person_id for m in members)
    message = notice.message
    assert message["url"].endswith(f"/m/quizzes/{quiz_id}") and message["track_opens"] is True
    for words in ("12月8日 18:00", "共 3 题", "合格线 80 分", "在对话框回复「答题」逐题作答"):
        assert words in message["text"], words
    assert message["template"]["thing1"] == "监察法知识测试"
    # Each member's phone gets it once, with their own signed /m/r/ link (the console woke the
    # app's own sender after the response; a sender of ours takes whatever is left).
    await console.state.broadcasts.drain(10)
    await sender_for(console).run(notice.id)
    phones = console.sandbox.deliveries
    assert sorted(d.openid for d in phones) == sorted(m.openid for m in members)
    assert all("/m/r/" in json.dumps(d.payload) for d in phones)

    again = await post_form(console, f"/admin/quizzes/{quiz_id}/publish", {})
    assert "通知不会重复发送" in flashes((await console.get(again.headers["location"])).text)
    assert len(await notices(console)) == 1
    refused = await console.get(f"/admin/quizzes/{quiz_id}/edit")
    assert refused.status_code == 303
    late = await post_form(console, f"/admin/quizzes/{quiz_id}/edit", quiz_form(unit, ids))
    assert late.status_code == 303 and await quiz_questions(console, quiz_id) == [
        ids[3],
        ids[0],
        ids[4],
    ]
    actions = [e.action for e in await audit_entries(console, "quiz.")]
    assert actions == ["quiz.publish", "quiz.update", "quiz.create"]


async def test_publish_refuses_a_past_deadline_and_an_empty_audience(
    console: AppClient, clock: Clock
) -> None:
    """Nobody to ask: refused; the deadline passed while it was a draft: 先修改截止时间."""
    unit, ids = await ready(console, clock)
    nobody = await create(console, quiz_form(unit, ids))
    response = await post_form(console, f"/admin/quizzes/{nobody}/publish", {})
    assert "没有要参加的人员" in flashes((await console.get(response.headers["location"])).text)
    await add_party_members(console, 2)
    clock.set(china(2026, 12, 8, 18, 1))
    response = await post_form(console, f"/admin/quizzes/{nobody}/publish", {})
    assert "截止时间已过，请先修改截止时间再发布。" in flashes(
        (await console.get(response.headers["location"])).text
    )
    assert (await stored_quiz(console, nobody)).status == QuizStatus.DRAFT.value
    assert await notices(console) == []


async def test_close_and_cancel(console: AppClient, clock: Clock) -> None:
    """提前结束 an open test; 取消 a draft; neither twice (audited once each)."""
    unit, ids = await ready(console, clock)
    await add_party_members(console, 1)
    first = await create(console, quiz_form(unit, ids))
    second = await create(console, quiz_form(unit, ids, title="十九大精神测试"))
    await post_form(console, f"/admin/quizzes/{first}/publish", {})
    await post_form(console, f"/admin/quizzes/{first}/close", {})
    assert (await stored_quiz(console, first)).status == QuizStatus.CLOSED.value
    again = await post_form(console, f"/admin/quizzes/{first}/close", {})
    assert "不能提前结束" in flashes((await console.get(again.headers["location"])).text)
    await post_form(console, f"/admin/quizzes/{second}/cancel", {})
    assert (await stored_quiz(console, second)).status == QuizStatus.CANCELLED.value
    listing = (await console.get("/admin/quizzes")).text
    assert re.findall(r'data-testid="quiz-status">([^<]+)<', listing) == ["已取消", "已结束"]
    assert [e.action for e in await audit_entries(console, "quiz.c")] == [
        "quiz.cancel",
        "quiz.close",
        "quiz.create",
        "quiz.create",
    ]


# --- results --------------------------------------------------------------------------------


async def _attempt(
    console: AppClient,
    quiz_id: int,
    person_id: int,
    answers: dict[int, str],
    *,
    score: int | None = None,
    correct: int | None = None,
    passed: bool | None = None,
    channel: str = "page",
    submitted_at: datetime | None = None,
) -> None:
    async with console.sessions() as session:
        session.add(
            QuizAttempt(
                quiz_id=quiz_id,
                person_id=person_id,
                answers={str(k): v for k, v in answers.items()},
                channel=channel,
                started_at=NOW,
                submitted_at=submitted_at,
                correct=correct,
                total=None if submitted_at is None else len(answers),
                score=score,
                passed=passed,
            )
        )
        await session.commit()


async def test_results_summary_wrong_questions_and_export(console: AppClient, clock: Clock) -> None:
    """Scores by unit and name, 答题中 and 未参加, questions by wrong rate, and the .xlsx."""
    unit, ids = await ready(console, clock)
    units = await default_units(console)
    group = await add_party_members(console, 2, unit_id=units.groups[0], prefix="g")
    branch = await add_party_members(console, 3, prefix="b")
    single, multiple, judge = ids[0], ids[2], ids[4]  # answers A, ABC, A
    quiz_id = await create(console, quiz_form(unit, [single, multiple, judge]))
    await post_form(console, f"/admin/quizzes/{quiz_id}/publish", {})
    done = NOW + timedelta(hours=1)
    await _attempt(
        console, quiz_id, branch[0].person_id, {single: "A", multiple: "ABC", judge: "A"},
        score=100, correct=3, passed=True, submitted_at=done,
    )  # fmt: skip
    await _attempt(
        console, quiz_id, branch[1].person_id, {single: "C", multiple: "AB", judge: "A"},
        score=33, correct=1, passed=False, submitted_at=done, channel="chat",
    )  # fmt: skip
    await _attempt(
        console, quiz_id, group[0].person_id, {single: "C", multiple: "ABD", judge: "B"},
        score=0, correct=0, passed=False, submitted_at=done,
    )  # fmt: skip
    await _attempt(console, quiz_id, group[1].person_id, {single: "B"}, channel="chat")

    page = await console.get(f"/admin/quizzes/{quiz_id}")
    html = page.text
    assert page.status_code == 200
    figures = {
        name: _group(rf'data-testid="sum-{name}">([^<]+)<', html)
        for name in ("takers", "submitted", "answering", "passed", "pass-rate", "average")
    }
    assert figures == {
        "takers": "5",
        "submitted": "3",
        "answering": "1",
        "passed": "1",
        "pass-rate": "33.3%",
        "average": "44.3",
    }
    states = re.findall(r'data-testid="result-state">([^<]+)<', html)
    # By unit (the branch before its group) and name, never by score.
    assert states == ["已提交", "已提交", "已提交", "答题中"]
    scores = re.findall(r'data-testid="result-score">([^<]*)<', html)
    assert scores == ["100", "33", "0", ""]
    assert re.findall(r'data-testid="not-taken-person">([^（]+)（', html) == [branch[2].name]
    rates = re.findall(r'data-testid="stat-rate">([^<]+)<', html)
    assert rates == ["66.7%", "66.7%", "33.3%"]
    tops = re.findall(r'data-testid="stat-top">([^<]*)<', html)
    # 单选: C chosen twice; 多选: D once (AB only left one out); 判断: B once.
    assert tops == ["C. 2019年1月1日（2 人）", "D. 罚款（1 人）", "B. 错误（1 人）"]
    listing = (await console.get("/admin/quizzes")).text
    assert "已交 3 / 5" in listing
    # One word for passing, as members read it: 合格 (合格线), never 及格.
    assert "及格" not in html and "及格" not in listing and "合格率" in html

    export = await console.get(f"/admin/quizzes/{quiz_id}/export")
    assert export.status_code == 200 and export.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in export.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["成绩", "错题统计"]
    sheet_rows = [list(r) for r in book["成绩"].iter_rows(values_only=True)]
    assert sheet_rows[0][:5] == ["单位", "姓名", "工号", "状态", "得分"]
    assert [(r[1], r[3], r[4], r[7]) for r in sheet_rows[1:]] == [
        (branch[0].name, "已提交", 100, "合格"),
        (branch[1].name, "已提交", 33, "不合格"),
        (branch[2].name, "未参加", None, None),
        (group[0].name, "已提交", 0, "不合格"),
        (group[1].name, "答题中", None, None),
    ]
    wrong = [list(r) for r in book["错题统计"].iter_rows(values_only=True)]
    assert [(r[0], r[5], r[6]) for r in wrong[1:]] == [
        (1, 2, "66.7%"),
        (2, 2, "66.7%"),
        (3, 1, "33.3%"),
    ]
    [entry] = await audit_entries(console, "quiz.export")
    assert entry.target_id == str(quiz_id) and "5 人" in (entry.summary or "")


# --- who may ---------------------------------------------------------------------------------


async def test_viewers_read_but_cannot_publish_and_secretaries_see_only_their_units(
    console: AppClient, clock: Clock
) -> None:
    """A viewer gets 403 on every write; a secretary of another unit gets 404 on everything."""
    unit, ids = await ready(console, clock)
    units = await default_units(console)
    await add_party_members(console, 2, unit_id=units.groups[0], prefix="g")
    branch_quiz = await create(console, quiz_form(unit, ids))
    group_quiz = await create(console, quiz_form(units.groups[0], ids[:2], title="第一党小组测试"))
    await add_user(console, "viewer", AdminRole.VIEWER)
    await add_user(console, "sec2", AdminRole.SECRETARY, units.groups[1])
    await add_user(console, "sec1", AdminRole.SECRETARY, units.groups[0])

    async with second_browser(console) as viewer:
        await sign_in(viewer, "viewer")
        assert (await viewer.get(f"/admin/quizzes/{branch_quiz}")).status_code == 200
        listing = (await viewer.get("/admin/quizzes")).text
        assert "新建测试" not in listing and "监察法知识测试" in listing
        for path in (
            f"/admin/quizzes/{branch_quiz}/publish",
            f"/admin/quizzes/{branch_quiz}/cancel",
            f"/admin/quizzes/{branch_quiz}/edit",
            "/admin/quizzes/new",
            "/admin/questions/import",
            f"/admin/questions/{ids[0]}/retire",
        ):
            response = await post_form(viewer, path, quiz_form(unit, ids))
            assert response.status_code == 403, path
            assert "只读账号" in response.text
        assert await notices(console) == [] and await count_rows(console, Quiz) == 2

    async with second_browser(console) as other:
        await sign_in(other, "sec2")
        listing = (await other.get("/admin/quizzes")).text
        assert "监察法知识测试" not in listing and "第一党小组测试" not in listing
        for quiz_id in (branch_quiz, group_quiz):
            for path in (f"/admin/quizzes/{quiz_id}", f"/admin/quizzes/{quiz_id}/export"):
                response = await other.get(path)
                assert response.status_code == 404, path
                assert "不在您负责的组织范围内" in response.text
            response = await post_form(other, f"/admin/quizzes/{quiz_id}/publish", {})
            assert response.status_code == 404
        assert await notices(console) == []
        assert await audit_entries(console, "quiz.export") == []

    async with second_browser(console) as mine:
        await sign_in(mine, "sec1")
        listing = (await mine.get("/admin/quizzes")).text
        assert "第一党小组测试" in listing and "监察法知识测试" not in listing
        response = await post_form(mine, f"/admin/quizzes/{group_quiz}/publish", {})
        assert response.status_code == 303
        assert [n.total for n in await notices(console)] == [2]
        # Nor may a secretary put a test in a unit they do not hold.
        foreign = quiz_form(units.groups[1], ids, title="越权")
        response = await post_form(mine, "/admin/quizzes/new", foreign)
        assert response.status_code == 400 and "请从列表中选择组织单位。" in response.text
        assert await count_rows(console, Quiz) == 2
