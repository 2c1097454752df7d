"""Demo 微感悟 for `make run`: the topic 「我为企业'高质发展'做什么、怎么做」 open now, ten
reflections; four (two edited) went into a sent issue of 《神特组宣》 and their authors were told,
two are selected and wait for the next issue, one is set aside, three wait to be read.

Nothing is pushed at demo start: the topic counts as announced and the authors as told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR, person_by_number
from app.models import (
    AudienceKind,
    IssueStatus,
    NewsletterIssue,
    Reflection,
    ReflectionStatus,
    ReflectionTopic,
)
from app.services.newsletters import issues as newsletter_service
from app.services.people import org_units
from app.services.reflections import editing, insertion, topics, writing
from app.services.reflections.topics import TopicDraft

TITLE = "我为企业'高质发展'做什么、怎么做"
GUIDANCE = "结合本职岗位，谈谈为企业高质量发展做了什么、准备怎么做，300 字以内。"

# (工号, 感悟, 编辑稿 or None, what the editors decided, in the sent issue)
DEMO_REFLECTIONS: tuple[tuple[str, str, str | None, ReflectionStatus, bool], ...] = (
    ("ST003", "车间是质量的第一道关口。我带着班组把每道工序的作业标准贴到机台旁，"
     "坚持首件必检、过程抽检，这个季度一次交检合格率提高了两个百分点。", None,
     ReflectionStatus.SELECTED, True),
    ("ST004", "作为工艺工程师，我的答案是把每一炉钢的参数都吃透。今年我们优化了热处理曲线，"
     "能耗下降，性能更稳。高质量发展就藏在这些细节里。",
     "作为工艺工程师，我的答案是把每一炉钢的参数都吃透。今年优化热处理曲线，能耗降了，"
     "性能稳了——高质量发展就藏在细节里。", ReflectionStatus.SELECTED, True),
    ("ST007", "研发要面向现场。我每周至少去车间两次，把一线的问题带回实验室，"
     "再把成果送回生产线。", None, ReflectionStatus.SELECTED, True),
    ("ST012", "质检员守的是企业的信誉。我坚持“不放过一个疑点”，发现问题及时反馈，"
     "和工艺、生产一起查原因、定措施，让问题不再重复出现。",
     "质检员守的是企业的信誉。坚持“不放过一个疑点”，发现问题及时反馈，"
     "与工艺、生产一起查原因、定措施，不让同样的问题出现第二次。",
     ReflectionStatus.SELECTED, True),
    ("ST005", "采购环节也能降本增效：比价、询价之外，更要和供应商一起把质量前移。",
     None, ReflectionStatus.SELECTED, False),
    ("ST015", "安全是最大的效益。每天班前五分钟讲安全，隐患当天查、当天改。",
     None, ReflectionStatus.SELECTED, False),
    ("ST010", "做好每一笔账，为经营决策提供准确的数据。", None, ReflectionStatus.SET_ASIDE, False),
    ("ST006", "班长要带头干。我们班组开展“每日一改善”，一个月收集了二十多条小建议。",
     None, ReflectionStatus.SUBMITTED, False),
    ("ST014", "宣传干事要讲好身边人的故事，让高质量发展看得见、学得到。",
     None, ReflectionStatus.SUBMITTED, False),
    ("ST016", "作为预备党员，我给自己定了目标：一年内熟练掌握三种新工艺。",
     None, ReflectionStatus.SUBMITTED, False),
)  # fmt: skip


async def seed_reflections(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 微感悟 unless there are some; return how many rows were created."""
    if (await session.exec(select(ReflectionTopic))).first() is not None:
        return 0
    branch = await org_units.ensure_default_tree(session)
    assert branch.id is not None
    topic = await topics.create(
        session,
        draft=TopicDraft(
            title=TITLE, guidance=GUIDANCE, opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=10), org_unit_id=branch.id,
            audience=AudienceKind.PARTY_MEMBERS,
        ),
        actor=DEMO_ACTOR,
        now=now - timedelta(days=10),
    )  # fmt: skip
    topic.announced_at = topic.opens_at  # counted as announced: nothing is pushed at demo start
    created = 1
    later: list[Reflection] = []  # selected for the next issue: decided after this one is filled
    for number, text, edited, status, published in DEMO_REFLECTIONS:
        person = await person_by_number(session, number)
        if person is None:
            continue
        reflection = await writing.submit(
            session, topic=topic, person=person, text=text, now=now - timedelta(days=8)
        )
        if edited is not None:
            await editing.edit(
                session, reflection=reflection, text=edited, actor=DEMO_ACTOR, now=now
            )
        if status is ReflectionStatus.SELECTED and not published:
            later.append(reflection)
        elif status is not ReflectionStatus.SUBMITTED:
            await editing.decide(
                session, reflection=reflection, status=status, actor=DEMO_ACTOR, now=now
            )
        created += 1
    created += await _published(session, topic=topic, now=now)
    for reflection in later:
        await editing.decide(
            session, reflection=reflection, status=ReflectionStatus.SELECTED, actor=DEMO_ACTOR,
            now=now,
        )  # fmt: skip
    return created


async def _published(session: AsyncSession, *, topic: ReflectionTopic, now: datetime) -> int:
    """The first four selected ones in a sent issue of 《神特组宣》, their authors told."""
    zuxuan = next(s for s in await newsletter_service.all_series(session) if s.code == "zuxuan")
    assert zuxuan.id is not None
    issue = NewsletterIssue(
        series_id=zuxuan.id,
        number=await newsletter_service.next_number(session, series_id=zuxuan.id),
        title="微感悟｜我为企业高质发展做什么",
        author="党群部门",
        digest="解放思想大讨论：党员微感悟选登。",
        body="解放思想大讨论开展以来，支部党员结合岗位写下微感悟，现选登一组。\n",
        created_by=DEMO_ACTOR.name,
    )
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    await insertion.insert(
        session, topic=topic, series_id=zuxuan.id, issue_id=issue.id, actor=DEMO_ACTOR,
        now=now - timedelta(days=3),
    )  # fmt: skip
    issue.status, issue.sent_at = IssueStatus.SENT.value, now - timedelta(days=2)
    session.add(issue)
    for e in await editing.entries(session, topic_id=topic.id or 0, unit_ids=None):
        if e.reflection.issue_id == issue.id:
            e.reflection.told_at = now - timedelta(days=2)  # told when the issue went out
    await session.flush()
    return 1
