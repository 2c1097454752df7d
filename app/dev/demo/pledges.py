"""Demo integrity work for `make run`: the year's 廉洁承诺书 (part signed), a 廉政谈话, a test."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    AudienceKind,
    IntegrityTalk,
    Person,
    PledgeCampaign,
    Question,
    QuestionKind,
    Quiz,
    SignatureChannel,
    TalkCategory,
)
from app.models.types import CHINA
from app.services import audit
from app.services.people import org_units
from app.services.pledges import campaigns, signing
from app.services.pledges.campaigns import CampaignDraft
from app.services.quizzes import publishing
from app.services.quizzes import quizzes as quiz_service
from app.services.quizzes.bank_file import stem_hash
from app.services.quizzes.quizzes import QuizDraft
from app.services.talks import records as integrity_talks

DEMO_ACTOR = audit.Actor(id=None, name="seed-demo")
PLEDGE_TEXT = """为深入推进党风廉政建设，筑牢拒腐防变思想防线，本人郑重承诺：

一、坚定理想信念，严守政治纪律和政治规矩，自觉在思想上政治上行动上同党中央保持高度一致。

二、严格遵守中央八项规定及其实施细则精神，不违规收受礼品礼金，不违规操办婚丧喜庆事宜，不参与可能影响公正执行公务的宴请和娱乐活动。

三、秉公用权，不利用职务之便为本人或他人谋取私利；在财务、项目、物资采购等工作中严格执行制度和程序。

四、严格要求亲属和身边工作人员，不允许其利用本人影响谋取不正当利益。

五、自觉接受组织和群众监督，如有违反，自愿接受组织处理。"""
# Signed already, so the progress page has both lists; 王建国 (the simulator's member) has not.
SIGNED = ("ST002", "ST004", "ST005", "ST006", "ST008", "ST010")


async def seed_integrity(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Create what is missing; return how many rows were created."""
    created = 0
    branch = await org_units.ensure_default_tree(session)
    assert branch.id is not None
    # Both close two weeks on at 18:00, so there is time to try them after `make run`.
    deadline = datetime.combine(
        (now.astimezone(CHINA) + timedelta(days=14)).date(), time(18), CHINA
    )
    year = now.astimezone(CHINA).year
    existing = await session.exec(select(PledgeCampaign).where(PledgeCampaign.year == year))
    if existing.first() is None:
        created += await _pledge(session, settings, now, year, branch.id, deadline)
    if (await session.exec(select(IntegrityTalk))).first() is None:
        created += await _talk(session, now)
    if (await session.exec(select(Quiz))).first() is None:
        created += await _quiz(session, settings, now, branch.id, deadline)
    return created


async def _pledge(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    year: int,
    branch_id: int,
    deadline: datetime,
) -> int:
    draft = CampaignDraft(
        title=f"{year}年度廉洁承诺书",
        year=year,
        org_unit_id=branch_id,
        audience=AudienceKind.MEMBERS_AND_MANAGERS,
        deadline=deadline,
        text=PLEDGE_TEXT,
    )
    campaign = await campaigns.create(session, draft=draft, actor=DEMO_ACTOR, now=now)
    await campaigns.publish(
        session, campaign=campaign, settings=settings, actor=DEMO_ACTOR, now=now
    )
    people = await session.exec(select(Person).where(col(Person.employee_no).in_(SIGNED)))
    for person in people.all():
        await signing.sign(
            session,
            campaign=campaign,
            person=person,
            version_number=campaign.current_version,
            channel=SignatureChannel.PAGE_OAUTH,
            now=now,
        )
    return 1


async def _talk(session: AsyncSession, now: datetime) -> int:
    person = (await session.exec(select(Person).where(Person.employee_no == "ST002"))).first()
    if person is None:
        return 0
    draft = integrity_talks.TalkDraft(
        person_id=person.id,
        category=TalkCategory.FINANCE.value,
        held_on=(now.astimezone(CHINA) - timedelta(days=10)).date(),
        held_by="王建国（党支部书记）",
        summary=(
            "围绕资金支付审批、票据审核和关联交易申报进行提醒谈话。"
            "本人表示将严格执行财务制度，定期自查，发现问题及时报告。"
        ),
    )
    await integrity_talks.record_talk(session, draft=draft, actor=DEMO_ACTOR, now=now)
    return 1


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
