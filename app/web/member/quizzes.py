"""The member's test page /m/quizzes/<id>: answer, submit, see the result and explanations.

Who answers comes from WeChat's OAuth (service accounts) or, when there is no OAuth identity,
from the signed `t` link a push carries. An OAuth identity always wins over a link, so a
forwarded link never lets someone answer as another; a member only ever sees their own result.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.api.deps import get_session
from app.models import Person, Quiz, QuizAttempt, QuizStatus
from app.models.quizzes import QUESTION_KIND_LABELS
from app.models.types import china_moment
from app.services.member_links import LinkProblem
from app.services.quizzes import answering, catalog
from app.services.quizzes.answering import Outcome
from app.web.member.reader import Reader, links_name_readers, oauth_first, page, reader_of
from app.web.security import check_csrf

router = APIRouter(prefix="/m", include_in_schema=False)
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]

LINK_PAGE = "quizzes"  # the page's name in signed person links
# Every checkbox is a form field: 100 questions of 5 options, all ticked, still fit.
MAX_ANSWER_FIELDS = 1000
FORGED_TEXT = "这个链接不完整或已失效，请回到公众号重新打开。"
ALREADY_TEXT = "您已经提交过本次测试，以第一次提交的成绩为准。"


def _message(
    request: Request, status_code: int, title: str, text: str, *, bind: bool = False
) -> Response:
    """A page with one message (and the way to the binding page when that is what is missing)."""
    return page(request, "quizzes/message.html", status_code, title=title, text=text, bind=bind)


def _not_found(request: Request) -> Response:
    return _message(request, 404, "测试不存在", "没有找到这次测试，请回到公众号重新打开。")


def _closed(request: Request, quiz: Quiz) -> Response:
    """410 for every test that no longer takes answers (past its deadline, closed, cancelled)."""
    if quiz.status == QuizStatus.CANCELLED.value:
        return _message(request, 410, "测试已取消", "本次测试已取消，无需作答。")
    if quiz.status == QuizStatus.CLOSED.value:
        return _message(request, 410, "测试已结束", "本次测试已结束，不再接受作答。")
    when = china_moment(quiz.deadline)
    return _message(request, 410, "测试已截止", f"本次测试已于 {when} 截止，不再接受作答。")


async def _identify(
    request: Request, session: AsyncSession, quiz_id: int, token: str
) -> tuple[Person, str | None] | Response:
    """The person answering and the link that named them (None: OAuth did), or why nobody."""
    reader = await reader_of(request, session, page_name=LINK_PAGE, subject_id=quiz_id, token=token)
    if reader is LinkProblem.EXPIRED:
        return _message(request, 400, "链接已过期", "链接已过期，请回到公众号重新打开。")
    if reader is LinkProblem.FORGED:
        return _message(request, 404, "链接无效", FORGED_TEXT)
    assert isinstance(reader, Reader)
    if reader.unbound:
        return _message(request, 403, "请先绑定身份", "绑定身份后才能参加测试。", bind=True)
    if reader.person is not None:
        return reader.person, reader.token or None
    if token and links_name_readers(request):  # a valid link whose person left the roster
        return _message(request, 404, "链接无效", FORGED_TEXT)
    return _message(
        request,
        403,
        "请从公众号打开",
        "请点击公众号推送的测试通知打开本页面，或在对话框中回复「答题」逐题作答。",
    )


async def _show_form(
    request: Request,
    session: AsyncSession,
    quiz: Quiz,
    token: str | None,
    chosen: dict[int, str],
    *,
    status_code: int = 200,
    error: str | None = None,
    flagged: list[int] | None = None,
) -> Response:
    """The questions, with the member's choices so far checked."""
    assert quiz.id is not None
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    context: dict[str, Any] = {
        "quiz": quiz,
        "deadline": china_moment(quiz.deadline),
        "questions": questions,
        "kinds": QUESTION_KIND_LABELS,
        "chosen": chosen,
        "link_token": token,
        "error": error,
        "flagged": flagged or [],
    }
    return page(request, "quizzes/quiz.html", status_code, **context)


async def _show_result(
    request: Request,
    session: AsyncSession,
    quiz: Quiz,
    attempt: QuizAttempt,
    *,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    """The member's own score, 合格 or not, and each question with its explanation."""
    assert quiz.id is not None and attempt.submitted_at is not None
    questions = await catalog.questions_of(session, quiz_id=quiz.id)
    return page(
        request,
        "quizzes/result.html",
        status_code,
        quiz=quiz,
        attempt=attempt,
        rows=answering.review(questions, attempt),
        submitted=china_moment(attempt.submitted_at),
        notice=notice,
    )


async def _show(
    request: Request, session: AsyncSession, quiz: Quiz, person: Person, token: str | None
) -> Response:
    """The result once submitted; the form while the test takes this person's answers."""
    assert quiz.id is not None and person.id is not None
    if quiz.status == QuizStatus.CANCELLED.value:
        return _closed(request, quiz)
    attempt = await answering.attempt_of(session, quiz_id=quiz.id, person_id=person.id)
    if attempt is not None and attempt.submitted_at is not None:
        return await _show_result(request, session, quiz, attempt)
    if not catalog.accepts_answers(quiz, request.app.state.clock()):
        return _closed(request, quiz)
    if not await catalog.asks(session, quiz=quiz, person=person):
        return _message(
            request, 403, "无需参加", "您不在本次测试的参加范围内。如有疑问请联系党群部门。"
        )
    # Started in the chat: those answers are already ticked here.
    chosen = {int(k): str(v) for k, v in (attempt.answers if attempt else {}).items()}
    return await _show_form(request, session, quiz, token, chosen)


async def _published(session: AsyncSession, quiz_id: int) -> Quiz | None:
    """The test, unless it does not exist or is still a draft (members never see those)."""
    quiz = await catalog.get(session, quiz_id=quiz_id)
    return None if quiz is None or quiz.status == QuizStatus.DRAFT.value else quiz


@router.get("/quizzes/{quiz_id:int}")
async def quiz_page(quiz_id: int, request: Request, session: Session, t: str = "") -> Response:
    """A test: its questions to answer, or the member's own result once submitted."""
    quiz = await _published(session, quiz_id)
    if quiz is None:
        return _not_found(request)
    # OAuth first even with a link: a forwarded link must give way to the reader's WeChat.
    if (sign_in := oauth_first(request, f"/m/quizzes/{quiz_id}", token=t)) is not None:
        return sign_in
    who = await _identify(request, session, quiz_id, t)
    if isinstance(who, Response):
        return who
    person, token = who
    return await _show(request, session, quiz, person, token)


def _answers_of(form: FormData) -> dict[int, str]:
    """{question id: letters} from the fields q<id> (a checkbox group sends one per letter)."""
    answers: dict[int, str] = {}
    for name in set(form.keys()):
        if name.startswith("q") and name[1:].isascii() and name[1:].isdigit():
            values = [v for v in form.getlist(name) if isinstance(v, str)]
            answers[int(name[1:])] = "".join(values)
    return answers


def _chosen(answers: dict[int, str]) -> dict[int, str]:
    """The letters to show ticked again (only A–Z: the page never echoes other input)."""
    return {
        qid: "".join(c for c in text.upper() if "A" <= c <= "Z") for qid, text in answers.items()
    }


def _numbers(numbers: list[int]) -> str:
    return "、".join(f"第 {n} 题" for n in numbers)


@router.post("/quizzes/{quiz_id:int}")
async def submit_quiz(quiz_id: int, request: Request, session: Session) -> Response:
    """Submit every answer at once; the result page follows (the first submission stands)."""
    try:
        # Read first with room for every checkbox: the CSRF check reuses this parsed form.
        form = await request.form(max_files=0, max_fields=MAX_ANSWER_FIELDS)
        await check_csrf(request)
    except Exception:  # a CsrfError, or a body that is not a readable form
        return _message(request, 403, "页面已过期", "请刷新页面后重新提交。")
    quiz = await _published(session, quiz_id)
    if quiz is None:
        return _not_found(request)
    sent_token = form.get("t")
    who = await _identify(
        request, session, quiz_id, sent_token if isinstance(sent_token, str) else ""
    )
    if isinstance(who, Response):
        return who
    person, token = who
    answers = _answers_of(form)
    result = await answering.submit(
        session,
        quiz=quiz,
        person=person,
        answers=answers,
        channel=answering.PAGE,
        now=request.app.state.clock(),
    )
    match result.outcome:
        case Outcome.SUBMITTED:
            # Post/redirect/get: a reload shows the result instead of submitting again.
            target = f"/m/quizzes/{quiz_id}" + (f"?t={quote(token, safe='')}" if token else "")
            return RedirectResponse(target, 303)
        case Outcome.ALREADY:
            assert result.attempt is not None
            return await _show_result(
                request, session, quiz, result.attempt, status_code=409, notice=ALREADY_TEXT
            )
        case Outcome.CLOSED:
            return _closed(request, quiz)
        case Outcome.NOT_ASKED:
            return _message(
                request, 403, "无需参加", "您不在本次测试的参加范围内。如有疑问请联系党群部门。"
            )
        case Outcome.UNKNOWN_QUESTION:
            error = "提交的答案中有不属于本次测试的题目，请刷新页面后重新作答。"
            flagged: list[int] = []
        case Outcome.INVALID:
            error = f"{_numbers(result.invalid)}的答案无效，请重新选择。"
            flagged = result.invalid
        case _:  # INCOMPLETE
            error = f"还有 {len(result.missing)} 题未作答：{_numbers(result.missing)}。"
            flagged = result.missing
    return await _show_form(
        request,
        session,
        quiz,
        token,
        _chosen(answers),
        status_code=422,
        error=error,
        flagged=flagged,
    )
