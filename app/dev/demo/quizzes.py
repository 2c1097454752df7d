"""A demo 知识测试 for `make run`: six questions on the Supervision Law and the 19th Congress."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.dev.demo.common import DEMO_ACTOR, demo_deadline
from app.models import AudienceKind, Question, QuestionKind, Quiz
from app.services.people import org_units
from app.services.quizzes import publishing
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes.bank_file import stem_hash
from app.services.quizzes.quizzes import QuizDraft

# (题型, 题干, 选项, 答案, 解析): a small bank to try 答题 with in the simulator.
QUESTIONS: tuple[tuple[QuestionKind, str, tuple[str, ...], str, str], ...] = (
    (
        QuestionKind.SINGLE,
        "《中华人民共和国监察法》于哪一年由全国人民代表大会通过？",
        ("2016年", "2017年", "2018年", "2019年"),
        "C",
        "2018年3月20日，第十三届全国人民代表大会第一次会议通过《监察法》。",
    ),
    (
        QuestionKind.SINGLE,
        "各级监察委员会是行使国家监察职能的什么机关？",
        ("专责机关", "审判机关", "检察机关", "行政机关"),
        "A",
        "《监察法》第三条：各级监察委员会是行使国家监察职能的专责机关。",
    ),
    (
        QuestionKind.MULTIPLE,
        "监察委员会依照《监察法》和有关法律规定履行哪些职责？",
        ("监督", "调查", "处置", "审判"),
        "ABC",
        "《监察法》第十一条：监察委员会依法履行监督、调查、处置职责。",
    ),
    (
        QuestionKind.JUDGE,
        "监察机关依照法律规定独立行使监察权，不受行政机关、社会团体和个人的干涉。",
        ("正确", "错误"),
        "A",
        "见《监察法》第四条。",
    ),
    (
        QuestionKind.SINGLE,
        "党的十九大报告指出，经过长期努力，中国特色社会主义进入了什么？",
        ("新时代", "新阶段", "新时期", "新征程"),
        "A",
        "十九大报告：经过长期努力，中国特色社会主义进入了新时代。",
    ),
    (
        QuestionKind.MULTIPLE,
        "“四个意识”包括哪些？",
        ("政治意识", "大局意识", "核心意识", "看齐意识"),
        "ABCD",
        "增强政治意识、大局意识、核心意识、看齐意识。",
    ),
)


async def seed_quizzes(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """The test, published, unless there is one; return how many rows were created."""
    if (await session.exec(select(Quiz))).first() is not None:
        return 0
    branch = await org_units.ensure_default_tree(session)
    assert branch.id is not None
    return await _quiz(session, settings, now, branch.id, demo_deadline(now))


async def _quiz(
    session: AsyncSession, settings: Settings, now: datetime, branch_id: int, deadline: datetime
) -> int:
    ids = []
    for kind, stem, options, answer, why in QUESTIONS:
        question = Question(
            bank="监察法与十九大精神",
            kind=kind.value,
            stem=stem,
            stem_sha256=stem_hash(stem),
            options=list(options),
            answer=answer,
            explanation=why,
            imported_by=DEMO_ACTOR.name,
            created_at=now,
            updated_at=now,
        )
        session.add(question)
        await session.flush()
        assert question.id is not None
        ids.append(question.id)
    draft = QuizDraft(
        title="《监察法》和党的十九大精神知识测试",
        org_unit_id=branch_id,
        audience=AudienceKind.PARTY_MEMBERS,
        deadline=deadline,
        pass_mark=60,
        question_ids=ids,
    )
    quiz = await quiz_service.create(session, draft=draft, actor=DEMO_ACTOR, now=now)
    await publishing.publish(session, quiz=quiz, settings=settings, actor=DEMO_ACTOR, now=now)
    return 1
