"""答题 in WeChat: one question per reply, the next text answers it, the last one scores."""

from __future__ import annotations

from typing import Any

from app.models import AudienceKind, QuizAttempt
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, oauth_open
from tests.support.plugin import Clock
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz, attempts, judge, single

DEADLINE = china(2026, 3, 10, 18, 0)
BASE = "http://127.0.0.1:8000"  # the default public_base_url


async def a_test(client: AppClient, clock: Clock, **fields: Any) -> tuple[int, list[int]]:
    """The 监察法 test (single A, multiple ABC, judge A), open until 10 March 18:00."""
    clock.set(china(2026, 3, 2, 9))
    ids = await add_questions(client, SUPERVISION)
    return await add_quiz(client, ids, deadline=DEADLINE, **fields), ids


async def test_a_whole_test_in_the_chat(client: AppClient, clock: Clock, chat: Chat) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (first, second, third) = await a_test(client, clock)

    started = await chat.say(member.openid, "答题")
    assert started.startswith(
        "开始答题「监察法知识测试」：共 3 题，合格线 60 分，3月10日 18:00 截止。"
    )
    assert "回复「退出」可暂停，进度会保留。" in started
    assert started.endswith(
        "第 1/3 题（单选题）\n监察委员会依照法律规定独立行使监察权，不受谁的干涉？\n"
        "A. 行政机关、社会团体和个人\nB. 人民法院\nC. 人民检察院\nD. 上级监察委员会\n"
        "回复选项字母作答，如「B」。"
    )
    asked = await chat.say(member.openid, "a")
    assert asked.startswith("第 2/3 题（多选题）\n监察机关对涉嫌职务违法的人员")
    assert asked.endswith("D. 罚款\n回复选项字母作答，如「AC」。")
    asked = await chat.say(member.openid, "A、B")  # one right answer missing: wrong
    assert asked.startswith("第 3/3 题（判断题）\n") and "A. 正确\nB. 错误" in asked
    assert asked.endswith("回复「对」或「错」作答（也可回复 A 或 B）。")
    [attempt] = await attempts(client, quiz_id)
    assert attempt.submitted_at is None and attempt.channel == "chat"
    assert attempt.answers == {str(first): "A", str(second): "AB"}

    done = await chat.say(member.openid, "对")
    assert done.startswith(
        "答题完成！「监察法知识测试」\n得分：67 分（答对 2/3 题），合格（合格线 60 分）。"
    )
    assert "答错的题：\n第 2 题：正确答案 ABC\n每题的解析：<a href=" in done
    assert f'<a href="{BASE}/m/quizzes/{quiz_id}?t=' in done and done.endswith('">查看详情</a>')
    [attempt] = await attempts(client, quiz_id)
    assert attempt.submitted_at == clock() and (attempt.score, attempt.passed) == (67, True)
    assert attempt.answers == {str(first): "A", str(second): "AB", str(third): "A"}

    # The link in the reply opens the member's own result page.
    link = done.rsplit('<a href="', 1)[1].removesuffix('">查看详情</a>').removeprefix(BASE)
    page = await oauth_open(client, member.openid, link)  # a query cannot skip OAuth
    assert page.status_code == 200 and 'data-testid="score">67<' in page.text

    assert "没有理解" in await chat.say(member.openid, "B")  # the test is over: nothing waits
    again = await chat.say(member.openid, "测试")
    assert again.startswith("您已完成「监察法知识测试」，得分：67 分（答对 2/3 题），合格")
    assert "每人只能提交一次。" in again and again.endswith('">查看详情</a>')


async def test_all_right_says_so(client: AppClient, clock: Clock, chat: Chat) -> None:
    [member] = await add_party_members(client, 1)
    await a_test(client, clock)
    for text in ("答题", "A", "CBA"):
        await chat.say(member.openid, text)
    done = await chat.say(member.openid, "√")
    assert "得分：100 分（答对 3/3 题），合格" in done and "全部答对" in done
    assert "答错的题" not in done


async def test_an_invalid_reply_repeats_the_question_with_a_hint(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (first, second, _) = await a_test(client, clock)
    await chat.say(member.openid, "答题")

    again = await chat.say(member.openid, "AB")
    assert again.startswith(
        "没有看懂您的答案。本题为单选题，请回复 A–D 中的一个字母。\n\n第 1/3 题"
    )
    again = await chat.say(member.openid, "E")
    assert "请回复 A–D 中的一个字母" in again and "第 1/3 题" in again
    assert await attempts(client, quiz_id) == []

    assert (await chat.say(member.openid, "Ａ")).startswith("第 2/3 题")  # still waiting
    again = await chat.say(member.openid, "AE")
    assert again.startswith("没有看懂您的答案。本题为多选题，请回复 A–D 中的字母，可多选")
    assert "第 2/3 题" in again
    assert (await chat.say(member.openid, "ab c")).startswith("第 3/3 题")
    again = await chat.say(member.openid, "不知道")
    assert again.startswith("没有看懂您的答案。本题为判断题，请回复「对」或「错」（或 A、B）。")
    [attempt] = await attempts(client, quiz_id)
    assert attempt.answers == {str(first): "A", str(second): "ABC"}
    assert attempt.submitted_at is None


async def test_leaving_and_resuming_keeps_the_progress(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (first, _, _) = await a_test(client, clock)
    await chat.say(member.openid, "答题")
    await chat.say(member.openid, "A")

    assert await chat.say(member.openid, "退出") == "已暂停答题，进度已保留。回复「答题」继续。"
    assert "没有理解" in await chat.say(member.openid, "A")  # no longer taken as an answer
    resumed = await chat.say(member.openid, "答题")
    assert resumed.startswith("继续答题「监察法知识测试」（已答 1/3 题）。\n\n第 2/3 题（多选题）")

    # Another keyword is answered by its own handler and leaves the test: the next plain text
    # is not an answer any more. 答题 resumes where the member was.
    assert await chat.say(member.openid, "签到") == "现在没有需要签到的会议。"
    assert "没有理解" in await chat.say(member.openid, "AB")
    assert "第 2/3 题" in await chat.say(member.openid, "答题")
    [attempt] = await attempts(client, quiz_id)
    assert attempt.answers == {str(first): "A"} and attempt.submitted_at is None


async def test_the_deadline_passing_mid_way_records_nothing_more(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (first, _, _) = await a_test(client, clock)
    clock.set(china(2026, 3, 10, 17, 55))
    await chat.say(member.openid, "答题")
    await chat.say(member.openid, "A")

    clock.set(DEADLINE)
    late = await chat.say(member.openid, "ABC")
    assert late == "本次测试已于 3月10日 18:00 截止，未完成的答题不计成绩。"
    [attempt] = await attempts(client, quiz_id)
    assert attempt.answers == {str(first): "A"} and attempt.submitted_at is None
    assert await chat.say(member.openid, "答题") == "现在没有需要参加的测试。"


async def test_who_is_asked_and_what_is_offered(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    [named_one] = await add_party_members(client, 1, prefix="m")
    clock.set(china(2026, 3, 2, 9))
    assert await chat.say(member.openid, "答题") == "现在没有需要参加的测试。"

    ids = await add_questions(client, [judge("廉洁从业是每名党员的义务。", "A")])
    await add_quiz(client, ids, deadline=DEADLINE, status="draft", title="草稿")
    named = [named_one.person_id]
    people = AudienceKind.PEOPLE
    await add_quiz(client, ids, deadline=DEADLINE, audience=people, person_ids=named, title="指定")
    await add_quiz(client, ids, deadline=china(2026, 3, 20, 18), title="三月测试")
    await add_quiz(client, ids, deadline=DEADLINE, title="二月测试")
    assert "「二月测试」" in await chat.say(member.openid, "答题")  # the earliest deadline first
    assert (await chat.say(member.openid, "错")).startswith("答题完成！「二月测试」")
    assert "「三月测试」" in await chat.say(member.openid, "答题")
    assert "「指定」" in await chat.say(named_one.openid, "答题")
    assert "「指定」" not in await chat.say(member.openid, "答题")


async def test_an_unbound_follower_is_told_to_bind(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    await a_test(client, clock)
    stranger = chat.sandbox.add_follower().openid
    reply = await chat.say(stranger, "答题")
    assert reply.startswith("您还没有绑定身份，绑定后才能答题。") and "绑定 K7P2QX9M" in reply


async def test_long_questions_and_long_wrong_lists_stay_within_wechats_limit(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    clock.set(china(2026, 3, 2, 9))
    long_stem = "根据《中华人民共和国监察法》的规定，" * 120
    questions = [single(long_stem, ["甲" * 40, "乙" * 40, "丙" * 40, "丁" * 40], "A")]
    questions += [judge(f"第{i}道判断题：监察机关依法履职。", "A") for i in range(2, 101)]
    ids = await add_questions(client, questions)
    quiz_id = await add_quiz(client, ids, deadline=DEADLINE)

    first = await chat.say(member.openid, "答题")
    assert len(first.encode()) <= 2048
    assert "…" in first and "D. " + "丁" * 40 in first and first.endswith("如「B」。")

    # 98 answered wrong already (stored as the chat keeps them); the last two in the chat.
    async with client.sessions() as session:
        session.add(
            QuizAttempt(
                quiz_id=quiz_id,
                person_id=member.person_id,
                answers={str(qid): "B" for qid in ids[:99]} | {str(ids[0]): "A"},
                channel="chat",
                started_at=clock(),
            )
        )
        await session.commit()
    assert "第 100/100 题" in await chat.say(member.openid, "答题")
    done = await chat.say(member.openid, "错")
    assert len(done.encode()) <= 2048
    assert "得分：1 分（答对 1/100 题），不合格" in done
    assert "第 2 题：正确答案 A" in done and "……另有" in done and "题，见解析页面" in done
    assert done.rsplit("\n", 1)[1].startswith("每题的解析：<a href=")
    assert done.endswith(">查看详情</a>")


async def test_the_menu_button_starts_the_test(client: AppClient, clock: Clock, chat: Chat) -> None:
    [member] = await add_party_members(client, 1)
    await a_test(client, clock)
    started = await chat.click(member.openid, "QUIZ_START")
    assert started.startswith("开始答题「监察法知识测试」") and "第 1/3 题" in started
