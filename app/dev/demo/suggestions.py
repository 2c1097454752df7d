"""Demo 合理化建议 for `make run`: a year of 「我为创业创效献一策」 that gives the seed's figures —
54 suggestions from the demo people, 25 金点子 in one campaign, about ¥1,000,000 of verified
benefit — spread over the statuses, each with its timeline, and two fresh ones just 收到."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR, person_by_number
from app.models import Suggestion, SuggestionCampaign, SuggestionCategory
from app.models.types import CHINA
from app.services.suggestions import decisions, records

C = SuggestionCategory
# (text, category): invented ideas, the first 25 become 金点子.
IDEAS: tuple[tuple[str, SuggestionCategory], ...] = (
    ("熔炼炉余热回收用于车间冬季供暖，减少燃气消耗。", C.ENERGY),
    ("浇注工序增加自动测温，降低废品率。", C.TECHNOLOGY),
    ("砂处理线改用变频电机，按负荷调速节电。", C.ENERGY),
    ("铸件清理改为机器人打磨，减轻劳动强度并提高一致性。", C.TECHNOLOGY),
    ("建立废钢分类回收台账，提高回炉料利用率。", C.PRODUCTION),
    ("压缩空气管网查漏并分区供气，降低空压机电耗。", C.ENERGY),
    ("模具库引入二维码管理，缩短找模时间。", C.MANAGEMENT),
    ("热处理炉装炉方式优化，每炉多装两成工件。", C.PRODUCTION),
    ("冷却水循环系统加装过滤器，延长设备寿命。", C.ENERGY),
    ("采购集中招标，主要辅料年度议价。", C.MANAGEMENT),
    ("车间照明改为 LED 并加装感应开关。", C.ENERGY),
    ("涂料配方调整，减少流挂缺陷。", C.TECHNOLOGY),
    ("设备点检改用手机扫码记录，隐患当天闭环。", C.SAFETY),
    ("除尘系统风量按工况调节，兼顾环保与节电。", C.SAFETY),
    ("型砂再生利用率从六成提高到八成。", C.ENERGY),
    ("物流通道重新规划，叉车不再与行人交叉。", C.SAFETY),
    ("工装夹具标准化，换型时间缩短一半。", C.PRODUCTION),
    ("质量问题每周复盘会，问题清单公开销号。", C.MANAGEMENT),
    ("浇冒口设计优化，提高工艺出品率。", C.TECHNOLOGY),
    ("库存呆滞物料清理再利用。", C.MANAGEMENT),
    ("党员先锋岗与班组攻关结合，难题挂牌认领。", C.PARTY),
    ("电炉峰谷用电调度，夜间多熔炼。", C.ENERGY),
    ("检测设备共享预约，减少重复购置。", C.MANAGEMENT),
    ("新员工安全培训改为实操考核。", C.SAFETY),
    ("包装箱循环使用，与客户约定回收。", C.PRODUCTION),
    ("食堂增设夜班热饭窗口。", C.OTHER),
    ("厂区增设电动车充电棚，消除楼道充电隐患。", C.SAFETY),
    ("支部学习资料做成口袋书，方便一线党员随身学。", C.PARTY),
    ("办公用纸双面打印，推行无纸化审批。", C.MANAGEMENT),
    ("技术骨干带徒协议化，明确带教目标。", C.PARTY),
)
# The verified benefit of each 金点子 (yuan): 3 一等奖, 7 二等奖, 15 三等奖; ¥905,000 in all.
GOLDEN_BENEFITS = (
    *(120_000, 98_000, 86_000),
    *(52_000, 48_000, 45_000, 42_000, 40_000, 38_000, 36_000),
    *(30_000, 28_000, 26_000, 25_000, 24_000, 22_000, 20_000, 18_000, 16_000),
    *(15_000, 14_000, 12_000, 10_000, 8_000, 6_000, 5_000),
)
AWARDS = ("一等奖",) * 3 + ("二等奖",) * 7 + ("三等奖",) * 15
OTHER_BENEFITS = (23_000, 19_500, 15_000, 12_000, 9_800, 6_200, 4_500)  # ¥90,000: 7 verified
# How many end in each status besides the 25 金点子 and the 7 verified.
PLAN = (
    ("implemented", 3),
    ("implementing", 3),
    ("adopt", 4),
    ("reject", 5),
    ("merge", 2),
    ("review", 3),
)
PATHS = {
    "golden": ("review", "adopt", "implementing", "implemented", "verify", "award"),
    "verified": ("review", "adopt", "implementing", "implemented", "verify"),
    "implemented": ("review", "adopt", "implemented"),
    "implementing": ("review", "adopt", "implementing"),
    "adopt": ("review", "adopt"),
    "reject": ("review", "reject"),
    "merge": ("merge",),
    "review": ("review",),
}


def _moment(start: datetime, now: datetime, index: int, total: int) -> datetime:
    """The index-th of `total` moments spread from `start` to a fortnight before `now`."""
    span = max((now - timedelta(days=14)) - start, timedelta(days=1))
    return start + span * index / max(total - 1, 1) + timedelta(hours=9)


async def _walk(
    session: AsyncSession,
    suggestion: Suggestion,
    steps: tuple[str, ...],
    when: datetime,
    form: dict[str, str],
) -> None:
    for number, action in enumerate(steps, start=1):
        moment = when + timedelta(days=2 * number)
        await decisions.decide(
            session, suggestion=suggestion, action=action, form=form, by=DEMO_ACTOR, now=moment
        )


async def seed_suggestions(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 合理化建议 unless there are some; return how many rows were created."""
    if (await session.exec(select(Suggestion))).first() is not None:
        return 0
    found = [await person_by_number(session, f"ST{i:03d}") for i in range(1, 23)]
    people = [p for p in found if p is not None]
    if not people:
        return 0
    year = now.astimezone(CHINA).year
    start = datetime.combine(date(year, 1, 5), time(), CHINA)
    if now - start < timedelta(days=60):  # early in the year: the twelve months before instead
        start = now - timedelta(days=330)
    campaign = SuggestionCampaign(
        name=f"{year}年「我为创业创效献一策」金点子评选",
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
        note="全年征集，年底评选表彰。",
        created_by="seed-demo",
        created_at=start,
    )
    session.add(campaign)
    await session.flush()
    kinds = ["golden"] * 25 + ["verified"] * 7 + [k for k, n in PLAN for _ in range(n)]
    created = 1
    for index, kind in enumerate(kinds):
        text, category = IDEAS[index % len(IDEAS)]
        if kind == "merge":  # a near-copy of an earlier one, merged into it
            text = "建议" + IDEAS[index % 5][0]
        when = _moment(start, now, index, len(kinds))
        person = people[index % len(people)]
        suggestion = await records.submit(
            session, person=person, content=text, now=when, category=category.value,
            via="chat" if index % 3 else "page",
            coauthor_ids=[people[(index + 5) % len(people)].id or 0] if index % 4 == 0 else (),
        )  # fmt: skip
        form = {
            "estimated_benefit": str(GOLDEN_BENEFITS[index] if index < 25 else 10_000),
            "reason": "与现行工艺冲突，暂不具备实施条件。",
            "merge_into": str((suggestion.id or 0) - index + index % 5),
            "verified_benefit": str(
                GOLDEN_BENEFITS[index] if index < 25 else OTHER_BENEFITS[(index - 25) % 7]
            ),
            "benefit_basis": "财务部效益测算表（按实施后 6 个月实际节约额折算全年）",
            "verified_by": "李秀英（财务部）",
            "campaign_id": str(campaign.id),
            "award": AWARDS[index] if index < 25 else "",
        }
        await _walk(session, suggestion, PATHS[kind], when, form)
        created += 1
    for offset, (text, category) in enumerate(IDEAS[25:27]):  # fresh: just 收到
        await records.submit(
            session, person=people[offset], content=text, category=category.value,
            now=now - timedelta(hours=3 - offset),
        )  # fmt: skip
        created += 1
    return created
