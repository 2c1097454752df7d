"""Publishing a test (draft → open, with its notice to the takers), closing it early, cancelling."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import Broadcast, BroadcastRecipient, Quiz, QuizAttempt, QuizStatus
from app.models.types import CHINA
from app.services import audit
from app.services.broadcasts import notices
from app.services.broadcasts.notices import NoticeRun
from app.services.quizzes import catalog
from app.services.quizzes.quizzes import (
    QuizStateError,
    deadline_text,
    question_ids_of,
    status_label,
)

NOTICE_KIND = "quiz_notice"


def notice_message(quiz: Quiz, *, questions: int, settings: Settings) -> dict[str, Any]:
    """The notice on every channel: the deadline, the questions, the pass mark, how to answer."""
    deadline = quiz.deadline.astimezone(CHINA)
    terms = f"共 {questions} 题，合格线 {quiz.pass_mark} 分"
    lines = [
        f"【知识测试】{quiz.title}",
        f"{terms}，请在 {deadline_text(quiz)} 前完成。",
    ]
    if quiz.description:
        lines.append(quiz.description)
    lines.append("点击查看，或在对话框回复「答题」逐题作答。")
    return {
        "title": f"知识测试：{quiz.title}",
        "url": f"{settings.public_base_url.rstrip('/')}/m/quizzes/{quiz.id}",
        "track_opens": True,
        "text": "\n".join(lines),
        "description": f"{terms}，截止 {deadline_text(quiz)}。点击开始答题。",
        "template": {
            "thing1": quiz.title,
            "thing2": terms.replace(" ", ""),
            "time3": f"{deadline:%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": quiz.title,
            "time2": f"{deadline:%Y-%m-%d %H:%M}",
            "thing3": terms.replace(" ", ""),
        },
    }


async def publish(
    session: AsyncSession, *, quiz: Quiz, settings: Settings, actor: audit.Actor, now: datetime
) -> Broadcast | None:
    """Open a draft test and store its notice to the takers (None if the notice exists already).

    Raises QuizStateError when it is not a draft, its deadline has passed or it asks nobody.
    """
    if quiz.status != QuizStatus.DRAFT.value:
        raise QuizStateError(f"这次测试{status_label(quiz, now)}，不能再发布。")
    if quiz.deadline <= now:
        raise QuizStateError("截止时间已过，请先修改截止时间再发布。")
    assert quiz.id is not None
    question_ids = await question_ids_of(session, quiz_id=quiz.id)
    if not question_ids:
        raise QuizStateError("这次测试还没有题目，请先选择题目。")
    people = await catalog.takers(session, quiz=quiz)
    if not people:
        raise QuizStateError("按当前名册，这次测试没有要参加的人员，请检查测试对象。")
    quiz.status = QuizStatus.OPEN.value
    quiz.published_at = now
    quiz.updated_at = now
    session.add(quiz)
    await session.flush()
    notice = await notices.notify(
        session,
        key=f"quiz:{quiz.id}:notice",
        kind=NOTICE_KIND,
        subject=("quiz", quiz.id),
        message=notice_message(quiz, questions=len(question_ids), settings=settings),
        people=people,
        settings=settings,
        now=now,
        created_by=actor.name,
    )
    await audit.record(
        session,
        actor=actor,
        action="quiz.publish",
        target_type="quiz",
        target_id=quiz.id,
        summary=(
            f"{quiz.title}（{len(question_ids)} 题，{len(people)} 人，截止 {deadline_text(quiz)}）"
        ),
    )
    return notice


async def _noticed(session: AsyncSession, *, quiz_id: int) -> set[int]:
    """Everyone a notice of the test was made for, or who has started it."""
    notified = (
        select(BroadcastRecipient.person_id)
        .join(Broadcast, col(Broadcast.id) == BroadcastRecipient.broadcast_id)
        .where(
            Broadcast.subject_type == "quiz",
            Broadcast.subject_id == quiz_id,
            Broadcast.kind == NOTICE_KIND,
        )
    )
    started = select(QuizAttempt.person_id).where(QuizAttempt.quiz_id == quiz_id)
    found = set((await session.exec(notified)).all()) | set((await session.exec(started)).all())
    return {pid for pid in found if pid is not None}


async def notify_newcomers(
    session: AsyncSession, *, settings: Settings, now: datetime
) -> NoticeRun:
    """Send the notice, once, to people who joined an open test's takers after publishing."""
    report = NoticeRun()
    statement = select(Quiz).where(Quiz.status == QuizStatus.OPEN.value, col(Quiz.deadline) > now)
    for quiz in (await session.exec(statement.order_by(col(Quiz.id)))).all():
        assert quiz.id is not None
        noticed = await _noticed(session, quiz_id=quiz.id)
        people = sorted(p for p in await catalog.takers(session, quiz=quiz) if p not in noticed)
        if not people:
            continue
        who = hashlib.sha256(",".join(map(str, people)).encode()).hexdigest()[:16]
        questions = len(await question_ids_of(session, quiz_id=quiz.id))
        created = await notices.notify(
            session,
            key=f"quiz:{quiz.id}:notice:{who}",
            kind=NOTICE_KIND,
            subject=("quiz", quiz.id),
            message=notice_message(quiz, questions=questions, settings=settings),
            people=people,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


async def _finish(
    session: AsyncSession,
    *,
    quiz: Quiz,
    status: QuizStatus,
    action: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    assert quiz.id is not None
    before = {"status": quiz.status}
    quiz.status = status.value
    quiz.updated_at = now
    session.add(quiz)
    # A notice still queued would ask people to take a test that no longer takes answers.
    await notices.stop_queued(session, subject=("quiz", quiz.id), now=now, by=actor.name)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type="quiz",
        target_id=quiz.id,
        summary=quiz.title,
        before=before,
        after={"status": status.value},
    )


async def close(session: AsyncSession, *, quiz: Quiz, actor: audit.Actor, now: datetime) -> None:
    """结束: an open test takes no more answers (the results stay). Raises QuizStateError."""
    if quiz.status != QuizStatus.OPEN.value:
        raise QuizStateError(f"这次测试{status_label(quiz, now)}，不能提前结束。")
    await _finish(
        session, quiz=quiz, status=QuizStatus.CLOSED, action="quiz.close", actor=actor, now=now
    )


async def cancel(session: AsyncSession, *, quiz: Quiz, actor: audit.Actor, now: datetime) -> None:
    """取消 a draft or open test (answers given so far stay). Raises QuizStateError."""
    if quiz.status not in (QuizStatus.DRAFT.value, QuizStatus.OPEN.value):
        raise QuizStateError(f"这次测试{status_label(quiz, now)}，不能取消。")
    await _finish(
        session,
        quiz=quiz,
        status=QuizStatus.CANCELLED,
        action="quiz.cancel",
        actor=actor,
        now=now,
    )
