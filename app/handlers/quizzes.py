"""Answering a knowledge test in the chat, one question at a time: 答题 starts or resumes."""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import Person, Question, QuestionKind, Quiz, QuizAttempt, QuizStatus
from app.models.types import china_moment
from app.services import prompts
from app.services.member_links import MemberLinks
from app.services.quizzes import answering, catalog
from app.services.quizzes.answering import NextQuestion, Outcome

router = MessageRouter()

QUIZ = "quiz"
PAGE = "quizzes"  # the member page's name in signed links: /m/quizzes/<id>
LEAVE_WORD = "退出"
# WeChat cuts a passive text reply at 2048 bytes; stay clear of it (the XML adds nothing here).
REPLY_LIMIT = 2000
NOTHING_OPEN = "现在没有需要参加的测试。"
PAUSED = "已暂停答题，进度已保留。回复「答题」继续。"
_HINTS = {
    QuestionKind.SINGLE.value: "回复选项字母作答，如「B」。",
    QuestionKind.MULTIPLE.value: "回复选项字母作答，如「AC」。",
    QuestionKind.JUDGE.value: "回复「对」或「错」作答（也可回复 A 或 B）。",
}


def _bytes(text: str) -> int:
    return len(text.encode())


def _cut(text: str, limit: int) -> str:
    """The text within `limit` bytes, ending in "…" when it was cut."""
    if _bytes(text) <= limit:
        return text
    cut = text.encode()[: max(limit - 3, 0)].decode(errors="ignore")
    return cut + "…"


def result_link(ctx: HandlerContext, quiz: Quiz, person: Person) -> str:
    """The result page, with a signed link so it opens without OAuth (subscription accounts)."""
    assert quiz.id is not None and person.id is not None
    links = MemberLinks(ctx.settings.secret_key.get_secret_value())
    path = links.path(page=PAGE, subject_id=quiz.id, person_id=person.id, now=ctx.now)
    return ctx.settings.public_base_url.rstrip("/") + path


def result_anchor(ctx: HandlerContext, quiz: Quiz, person: Person) -> str:
    """A 查看详情 link to the result page (WeChat shows <a href> in a text reply as a link)."""
    return f'<a href="{result_link(ctx, quiz, person)}">查看详情</a>'


def question_text(step: NextQuestion, *, before: str = "") -> str:
    """ "第 2/10 题（多选题）", the stem, the options and how to answer, within the limit."""
    question = step.question
    kind = QuestionKind(question.kind)
    head = f"{before}第 {step.number}/{step.total} 题（{kind.label}）\n"
    options = "".join(f"\n{chr(ord('A') + i)}. {text}" for i, text in enumerate(question.options))
    tail = f"\n{_HINTS[kind.value]}"
    room = REPLY_LIMIT - _bytes(head) - _bytes(tail)
    # A long stem gives way first (the options are what the member answers with), then options.
    stem = _cut(question.stem, max(room - min(_bytes(options), room // 2), 0))
    return head + stem + _cut(options, room - _bytes(stem)) + tail


def _invalid_hint(question: Question) -> str:
    kind = question.kind
    if kind == QuestionKind.JUDGE.value:
        return "没有看懂您的答案。本题为判断题，请回复「对」或「错」（或 A、B）。"
    if kind == QuestionKind.MULTIPLE.value:
        return (
            f"没有看懂您的答案。本题为多选题，请回复 A–{answering.last_letter(question)} "
            "中的字母，可多选，如「AC」。"
        )
    return (
        f"没有看懂您的答案。本题为单选题，请回复 A–{answering.last_letter(question)} 中的一个字母。"
    )


def _verdict(quiz: Quiz, attempt: QuizAttempt) -> str:
    passed = "合格" if attempt.passed else "不合格"
    return (
        f"得分：{attempt.score} 分（答对 {attempt.correct}/{attempt.total} 题），{passed}"
        f"（合格线 {quiz.pass_mark} 分）。"
    )


async def _finished(ctx: HandlerContext, quiz: Quiz, person: Person, attempt: QuizAttempt) -> str:
    """The score, the questions answered wrong with the right answers, and the result page."""
    assert quiz.id is not None
    questions = await catalog.questions_of(ctx.session, quiz_id=quiz.id)
    wrong = [row for row in answering.review(questions, attempt) if not row.is_right]
    head = f"答题完成！「{quiz.title}」\n{_verdict(quiz, attempt)}"
    link = f"\n每题的解析：{result_anchor(ctx, quiz, person)}"
    if not wrong:
        return head + "\n全部答对，继续保持！" + link
    lines = [f"第 {row.number} 题：正确答案 {row.right}" for row in wrong]
    body = "\n答错的题："
    for shown, line in enumerate(lines):
        rest = f"\n……另有 {len(lines) - shown} 题，见解析页面"
        if _bytes(head + body + line + link + rest) + 1 > REPLY_LIMIT:
            body += rest
            break
        body += "\n" + line
    return head + body + link


def _already(ctx: HandlerContext, quiz: Quiz, person: Person, attempt: QuizAttempt) -> str:
    return (
        f"您已完成「{quiz.title}」，{_verdict(quiz, attempt)}\n每人只能提交一次。"
        f"\n每题的解析：{result_anchor(ctx, quiz, person)}"
    )


def _closed(quiz: Quiz) -> str:
    if quiz.status == QuizStatus.CANCELLED.value:
        return f"「{quiz.title}」已取消，无需继续作答。"
    if quiz.status == QuizStatus.CLOSED.value:
        return "本次测试已结束，未完成的答题不计成绩。"
    return f"本次测试已于 {china_moment(quiz.deadline)} 截止，未完成的答题不计成绩。"


async def _ask(ctx: HandlerContext, quiz: Quiz, step: NextQuestion, *, before: str = "") -> str:
    """Send a question and take the member's next text as its answer."""
    await prompts.ask(ctx.session, openid=ctx.openid, purpose=QUIZ, subject_id=quiz.id, now=ctx.now)
    return question_text(step, before=before)


@router.text("答题", help="参加知识测试，逐题作答", requires_member="答题")
async def on_quiz_keyword(ctx: HandlerContext) -> Reply:
    """答题: start or resume the earliest open test; a finished one gets its score."""
    person = ctx.member
    assert person.id is not None
    done: list[str] = []
    for quiz in await catalog.open_for(ctx.session, person=person, now=ctx.now):
        assert quiz.id is not None
        attempt = await answering.attempt_of(ctx.session, quiz_id=quiz.id, person_id=person.id)
        if attempt is not None and attempt.submitted_at is not None:
            done.append(_already(ctx, quiz, person, attempt))
            continue
        step = await answering.next_question(ctx.session, quiz=quiz, person=person)
        if step is None:
            continue  # a test without questions: nothing to ask
        answered = step.number - 1
        if answered:
            before = f"继续答题「{quiz.title}」（已答 {answered}/{step.total} 题）。\n\n"
        else:
            before = (
                f"开始答题「{quiz.title}」：共 {step.total} 题，合格线 {quiz.pass_mark} 分，"
                f"{china_moment(quiz.deadline)} 截止。\n"
                f"回复「{LEAVE_WORD}」可暂停，进度会保留。\n\n"
            )
        return await _ask(ctx, quiz, step, before=before)
    if done:
        return _cut("\n\n".join(done), REPLY_LIMIT)
    return NOTHING_OPEN


@router.text("测试")
async def on_test_keyword(ctx: HandlerContext) -> Reply:
    """测试 is 答题 too (the notices call them 知识测试)."""
    return await on_quiz_keyword(ctx)


@router.click("QUIZ_START")
async def on_quiz_button(ctx: HandlerContext) -> Reply:
    """The 知识测试 button is 答题: one tap to the next question."""
    return await on_quiz_keyword(ctx)


@router.answer(QUIZ, requires_member="答题")
async def on_answer(ctx: HandlerContext, quiz_id: int | None) -> Reply:
    """The text after a question is its answer; 退出 pauses the test."""
    person = ctx.member
    text = str(ctx.fields.get("Content") or "").strip()
    if text == LEAVE_WORD:
        return PAUSED
    quiz = await catalog.get(ctx.session, quiz_id=quiz_id or 0)
    if quiz is None:
        return NOTHING_OPEN
    step = await answering.next_question(ctx.session, quiz=quiz, person=person)
    if step is None:
        # Submitted meanwhile (on the page) or the test lost its questions: say where it stands.
        return await on_quiz_keyword(ctx)
    result = await answering.record_answer(
        ctx.session, quiz=quiz, person=person, question=step.question, letters=text, now=ctx.now
    )
    match result.outcome:
        case Outcome.ANSWERED:
            following = await answering.next_question(ctx.session, quiz=quiz, person=person)
            assert following is not None
            return await _ask(ctx, quiz, following)
        case Outcome.SUBMITTED:
            assert result.attempt is not None
            return await _finished(ctx, quiz, person, result.attempt)
        case Outcome.ALREADY:
            assert result.attempt is not None
            return _already(ctx, quiz, person, result.attempt)
        case Outcome.INVALID:
            await prompts.ask(
                ctx.session, openid=ctx.openid, purpose=QUIZ, subject_id=quiz.id, now=ctx.now
            )
            return question_text(step, before=_invalid_hint(step.question) + "\n\n")
        case Outcome.CLOSED:
            return _closed(quiz)
        case Outcome.NOT_ASKED:
            return f"您不在「{quiz.title}」的参加范围内，无需作答。"
        case _:
            return NOTHING_OPEN
