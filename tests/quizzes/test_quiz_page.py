"""The member's test page /m/quizzes/<id>: answer once, see only one's own result."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.models import QuizAttempt
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, oauth_open
from tests.support.console import csrf_of, default_units
from tests.support.plugin import Clock, count_rows
from tests.support.quizzes import SUPERVISION, add_questions, add_quiz, attempts, link_token, phone
from tests.support.quizzes import single as single_choice

DEADLINE = china(2026, 3, 10, 18, 0)


async def a_test(client: AppClient, clock: Clock, **fields: Any) -> tuple[int, list[int]]:
    """The 监察法 test (single A, multiple ABC, judge A), open until 10 March 18:00."""
    clock.set(china(2026, 3, 2, 9))
    ids = await add_questions(client, SUPERVISION)
    return await add_quiz(client, ids, deadline=DEADLINE, **fields), ids


def _checked(html: str) -> set[str]:
    """The (question id, letter) of every ticked choice, as "q12A"."""
    return set(re.findall(r'id="(q\d+[A-Z])" value="[A-Z]" checked', html))


async def _submit(
    phone: AppClient, quiz_id: int, page: str, answers: dict[str, Any]
) -> httpx.Response:
    data: dict[str, Any] = {"csrf_token": csrf_of(page), **answers}
    if (token := re.search(r'name="t" value="([^"]+)"', page)) is not None:
        data["t"] = token.group(1)
    return await phone.post(f"/m/quizzes/{quiz_id}", data=data)


async def test_answer_on_the_page_then_see_the_score_and_explanations(
    client: AppClient, clock: Clock
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)

    form = await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")
    assert form.status_code == 200
    text = form.text
    assert "监察法知识测试" in text and "共 3 题 · 合格线 60 分 · 3月10日 18:00 截止" in text
    assert f'type="radio" class="weui-check" name="q{single}"' in text
    assert f'type="checkbox" class="weui-check" name="q{multiple}"' in text
    assert "A. 正确" in text and "B. 错误" in text and "多选题" in text
    assert 'name="csrf_token"' in text and 'name="t"' not in text  # OAuth named the member
    assert "罚款不是监察措施" not in text  # explanations only after submitting

    clock.set(china(2026, 3, 3, 20, 15))
    sent = await _submit(
        client, quiz_id, text, {f"q{single}": "A", f"q{multiple}": ["A", "B"], f"q{judge}": "A"}
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/m/quizzes/{quiz_id}"
    result = await client.get(sent.headers["location"])
    assert result.status_code == 200
    shown = result.text
    assert 'data-testid="score">67<' in shown and 'data-testid="verdict">合格<' in shown
    assert "答对 2/3 题 · 合格线 60 分" in shown and "提交时间：3月3日 20:15" in shown
    assert 'data-testid="chosen">AB<' in shown and 'data-testid="right">ABC<' in shown
    assert "解析：罚款不是监察措施。" in shown and "解析：监察全覆盖。" in shown
    assert "提交答卷" not in shown

    [attempt] = await attempts(client, quiz_id)
    assert (attempt.person_id, attempt.channel) == (member.person_id, "page")
    assert attempt.answers == {str(single): "A", str(multiple): "AB", str(judge): "A"}
    assert (attempt.correct, attempt.total, attempt.score, attempt.passed) == (2, 3, 67, True)
    assert attempt.submitted_at == clock()


async def test_a_score_below_the_pass_mark_fails(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock, pass_mark=80)
    form = await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")
    answers = {f"q{single}": "B", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "B"}
    sent = await _submit(client, quiz_id, form.text, answers)
    shown = (await client.get(sent.headers["location"])).text
    assert 'data-testid="score">33<' in shown and 'data-testid="verdict">不合格<' in shown
    [attempt] = await attempts(client, quiz_id)
    assert attempt.passed is False


async def test_unanswered_and_invalid_answers_are_refused_with_choices_kept(
    client: AppClient, clock: Clock
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    form = (await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")).text

    partial = await _submit(client, quiz_id, form, {f"q{multiple}": ["A", "C"]})
    assert partial.status_code == 422
    assert "还有 2 题未作答：第 1 题、第 3 题。" in partial.text
    assert _checked(partial.text) == {f"q{multiple}A", f"q{multiple}C"}
    assert 'class="question question_flagged" id="q1"' in partial.text

    two_for_one = {f"q{single}": ["A", "B"], f"q{multiple}": "A", f"q{judge}": "A"}
    invalid = await _submit(client, quiz_id, form, two_for_one)
    assert invalid.status_code == 422 and "第 1 题的答案无效，请重新选择。" in invalid.text
    beyond = {f"q{single}": "A", f"q{multiple}": "E", f"q{judge}": "C"}
    invalid = await _submit(client, quiz_id, form, beyond)
    assert invalid.status_code == 422 and "第 2 题、第 3 题的答案无效" in invalid.text

    assert await attempts(client) == []


async def test_an_answer_to_a_question_not_in_the_test_stores_nothing(
    client: AppClient, clock: Clock
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    [other] = await add_questions(client, [single_choice("另一套题的题目", ["甲", "乙"], "A")])
    form = (await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")).text
    answers = {f"q{single}": "A", f"q{multiple}": "A", f"q{judge}": "A", f"q{other}": "A"}
    refused = await _submit(client, quiz_id, form, answers)
    assert refused.status_code == 422
    assert "提交的答案中有不属于本次测试的题目" in refused.text
    assert await attempts(client) == []


async def test_the_first_submission_stands(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    form = (await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")).text
    first = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "B"}
    assert (await _submit(client, quiz_id, form, first)).status_code == 303

    better = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "A"}
    again = await _submit(client, quiz_id, form, better)  # the old tab, submitted again
    assert again.status_code == 409
    assert "您已经提交过本次测试，以第一次提交的成绩为准。" in again.text
    assert 'data-testid="score">67<' in again.text
    [attempt] = await attempts(client, quiz_id)
    assert attempt.score == 67 and attempt.answers[str(judge)] == "B"


async def test_after_the_deadline_nothing_is_taken(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    form = (await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")).text

    clock.set(DEADLINE)
    answers = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "A"}
    late = await _submit(client, quiz_id, form, answers)
    assert late.status_code == 410
    assert "本次测试已于 3月10日 18:00 截止，不再接受作答。" in late.text
    assert await attempts(client) == []
    again = await client.get(f"/m/quizzes/{quiz_id}")
    assert again.status_code == 410 and "提交答卷" not in again.text


async def test_closed_cancelled_and_draft_tests(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    closed, _ = await a_test(client, clock, status="closed")
    cancelled = await add_quiz(client, [], deadline=DEADLINE, status="cancelled")
    draft = await add_quiz(client, [], deadline=DEADLINE, status="draft")

    page = await oauth_open(client, member.openid, f"/m/quizzes/{closed}")
    assert page.status_code == 410 and "本次测试已结束" in page.text
    page = await client.get(f"/m/quizzes/{cancelled}")
    assert page.status_code == 410 and "本次测试已取消" in page.text
    for missing in (draft, 999999):
        page = await client.get(f"/m/quizzes/{missing}")
        assert page.status_code == 404 and "测试不存在" in page.text


async def test_a_follower_not_yet_bound_is_sent_to_bind(client: AppClient, clock: Clock) -> None:
    quiz_id, _ = await a_test(client, clock)
    stranger = client.sandbox.add_follower().openid
    page = await oauth_open(client, stranger, f"/m/quizzes/{quiz_id}")
    assert page.status_code == 403
    assert "绑定身份后才能参加测试。" in page.text and 'href="/m/bind"' in page.text


async def test_someone_outside_the_audience_is_told_so(client: AppClient, clock: Clock) -> None:
    units = await default_units(client)
    [outsider] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="o")
    quiz_id, _ = await a_test(client, clock, org_unit_id=units.groups[0])
    page = await oauth_open(client, outsider.openid, f"/m/quizzes/{quiz_id}")
    assert page.status_code == 403 and "您不在本次测试的参加范围内" in page.text


async def test_a_forged_post_without_the_csrf_token_stores_nothing(
    client: AppClient, clock: Clock
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")
    answers = {f"q{single}": "A", f"q{multiple}": "ABC", f"q{judge}": "A"}
    forged = await client.post(f"/m/quizzes/{quiz_id}", data=answers)
    assert forged.status_code == 403 and "页面已过期" in forged.text
    assert await attempts(client) == []


# --- Signed links (subscription accounts have no OAuth) -------------------------------------


@pytest.fixture
async def subscription(make_client: Any) -> AppClient:
    """An app for a subscription account: a push's signed link is how a member is known."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


async def test_a_push_link_names_the_member_on_a_subscription_account(
    subscription: AppClient, clock: Clock
) -> None:
    client = subscription
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    token = link_token(client, quiz_id, member.person_id)

    form = await client.get(f"/m/quizzes/{quiz_id}", params={"t": token})
    assert form.status_code == 200 and f'name="t" value="{token}"' in form.text
    answers = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "对"}
    sent = await _submit(client, quiz_id, form.text, answers)
    assert sent.status_code == 303 and sent.headers["location"].startswith(
        f"/m/quizzes/{quiz_id}?t="
    )
    result = await client.get(sent.headers["location"])
    assert 'data-testid="score">100<' in result.text
    [attempt] = await attempts(client, quiz_id)
    assert attempt.person_id == member.person_id

    bare = await client.get(f"/m/quizzes/{quiz_id}")
    assert bare.status_code == 403 and "请点击公众号推送的测试通知打开本页面" in bare.text


async def test_forged_and_expired_links(subscription: AppClient, clock: Clock) -> None:
    client = subscription
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    other_quiz = await add_quiz(client, [single], deadline=DEADLINE)
    token = link_token(client, quiz_id, member.person_id)

    for forged in (token[:-3] + "abc", link_token(client, other_quiz, member.person_id), "x"):
        page = await client.get(f"/m/quizzes/{quiz_id}", params={"t": forged})
        assert page.status_code == 404 and "链接无效" in page.text, forged

    form = (await client.get(f"/m/quizzes/{quiz_id}", params={"t": token})).text
    clock.set(china(2026, 3, 10, 9))  # 8 days on: past the link's week, before the deadline
    page = await client.get(f"/m/quizzes/{quiz_id}", params={"t": token})
    assert page.status_code == 400 and "链接已过期，请回到公众号重新打开" in page.text

    answers = {f"q{single}": "A", f"q{multiple}": "ABC", f"q{judge}": "A", "t": token[:-3] + "abc"}
    posted = await client.post(
        f"/m/quizzes/{quiz_id}", data={"csrf_token": csrf_of(form), **answers}
    )
    assert posted.status_code == 404 and "链接无效" in posted.text
    assert await attempts(client) == []


async def test_a_member_never_sees_another_members_result(client: AppClient, clock: Clock) -> None:
    first, second = await add_party_members(client, 2)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    form = (await oauth_open(client, first.openid, f"/m/quizzes/{quiz_id}")).text
    answers = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "A"}
    assert (await _submit(client, quiz_id, form, answers)).status_code == 303

    # The first member forwards their push link; the second opens it in their own WeChat.
    forwarded = link_token(client, quiz_id, first.person_id)
    async with phone(client) as theirs:
        page = await oauth_open(theirs, second.openid, f"/m/quizzes/{quiz_id}?t={forwarded}")
        assert page.status_code == 200 and "提交答卷" in page.text
        assert 'data-testid="score"' not in page.text and 'name="t"' not in page.text
        # Posting the forwarded link by hand changes nothing: the WeChat signed in wins.
        wrong = {f"q{single}": "B", f"q{multiple}": "A", f"q{judge}": "B", "t": forwarded}
        sent = await theirs.post(
            f"/m/quizzes/{quiz_id}", data={"csrf_token": csrf_of(page.text), **wrong}
        )
        assert sent.status_code == 303
        mine = (await theirs.get(sent.headers["location"])).text
    assert 'data-testid="score">0<' in mine and first.name not in mine
    by_person = {a.person_id: a.score for a in await attempts(client, quiz_id)}
    assert by_person == {first.person_id: 100, second.person_id: 0}
    own = (await client.get(f"/m/quizzes/{quiz_id}")).text
    assert 'data-testid="score">100<' in own and second.name not in own


async def test_answers_begun_in_the_chat_are_ticked_on_the_page(
    client: AppClient, clock: Clock
) -> None:
    [member] = await add_party_members(client, 1)
    quiz_id, (single, multiple, judge) = await a_test(client, clock)
    chat = Chat(client, clock)
    await chat.say(member.openid, "答题")
    await chat.say(member.openid, "A")
    form = (await oauth_open(client, member.openid, f"/m/quizzes/{quiz_id}")).text
    assert _checked(form) == {f"q{single}A"}
    answers = {f"q{single}": "A", f"q{multiple}": ["A", "B", "C"], f"q{judge}": "A"}
    assert (await _submit(client, quiz_id, form, answers)).status_code == 303
    [attempt] = await attempts(client, quiz_id)
    assert attempt.channel == "page" and attempt.score == 100
    assert await count_rows(client, QuizAttempt) == 1
    assert "您已完成「监察法知识测试」" in await chat.say(member.openid, "B")
