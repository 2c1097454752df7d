"""Assessment schemes: the items under the three 亮 headings, versioned per period kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AssessmentScheme, PeriodKind
from app.services import audit
from app.services.assessments.periods import next_start
from app.services.assessments.rules import RULES

HEADINGS = ("亮身份", "亮职责", "亮业绩")
LEVELS = ("好", "较好", "一般", "差")
# What each level is worth towards the sheet's weighted score.
POINTS = {"好": 100.0, "较好": 85.0, "一般": 70.0, "差": 50.0}


class SchemeRefused(ValueError):
    """A scheme that cannot be saved, with the Chinese reason."""


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a scheme as stored in its JSON."""

    code: str
    heading: str
    title: str
    rule: str | None  # None: judged by hand
    weight: float
    thresholds: dict[str, float]  # 好 / 较好 / 一般: the least value for the level

    def as_json(self) -> dict[str, Any]:
        """The item as the scheme's JSON keeps it."""
        return {
            "code": self.code,
            "heading": self.heading,
            "title": self.title,
            "rule": self.rule,
            "weight": self.weight,
            "thresholds": self.thresholds,
        }


def items_of(scheme: AssessmentScheme) -> list[Item]:
    """The scheme's items, typed."""
    return [
        Item(
            code=str(raw["code"]),
            heading=str(raw["heading"]),
            title=str(raw["title"]),
            rule=raw.get("rule"),
            weight=float(raw["weight"]),
            thresholds={k: float(v) for k, v in dict(raw.get("thresholds") or {}).items()},
        )
        for raw in scheme.items
    ]


def level_of(item: Item, value: float | None) -> str | None:
    """The item's level for a value (None: 无记录 or not judged yet)."""
    if value is None:
        return None
    for level in LEVELS[:-1]:
        least = item.thresholds.get(level)
        if least is not None and value >= least:
            return level
    return LEVELS[-1]


def sheet_level(score: float | None) -> str | None:
    """The whole sheet's level from its weighted score."""
    if score is None:
        return None
    for level in LEVELS[:-1]:
        if score >= POINTS[level] - 5:
            return level
    return LEVELS[-1]


DEFAULT_ITEMS = [
    Item(
        "identity_study",
        "亮身份",
        "参加固定学习日",
        "study_attendance",
        3,
        {"好": 100, "较好": 75, "一般": 50},
    ),
    Item("identity_pledge", "亮身份", "签署廉洁承诺", "pledges", 1, {"好": 1}),
    Item("duty_tests", "亮职责", "应知应会测试", "tests", 2, {"好": 90, "较好": 75, "一般": 60}),
    Item(
        "duty_conduct",
        "亮职责",
        "履职表现（支部评定）",
        None,
        2,
        {"好": 90, "较好": 75, "一般": 60},
    ),
    Item("merit_suggestions", "亮业绩", "合理化建议被采纳", "suggestions", 1, {"好": 2, "较好": 1}),
    Item(
        "merit_volunteer",
        "亮业绩",
        "志愿服务时长",
        "volunteer_hours",
        1,
        {"好": 4, "较好": 2, "一般": 1},
    ),
    Item("merit_contributions", "亮业绩", "岗位建功", "contributions", 2, {"好": 2, "较好": 1}),
]


def check(items: list[Item]) -> None:
    """Refuse a scheme with no items, an unknown rule or heading, or a bad weight."""
    if not items:
        raise SchemeRefused("考核方案至少要有一项。")
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise SchemeRefused("考核项目的编号不能重复。")
    for item in items:
        if item.heading not in HEADINGS:
            raise SchemeRefused(f"「{item.title}」的类别应为亮身份、亮职责或亮业绩。")
        if item.rule is not None and item.rule not in RULES:
            raise SchemeRefused(f"「{item.title}」的取数规则不存在。")
        if not 0 < item.weight <= 100:
            raise SchemeRefused(f"「{item.title}」的权重应在 0 到 100 之间。")
        if not item.title.strip():
            raise SchemeRefused("考核项目要有名称。")


async def versions(session: AsyncSession, *, kind: PeriodKind) -> list[AssessmentScheme]:
    """Every version of a kind's scheme, newest first."""
    statement = select(AssessmentScheme).where(col(AssessmentScheme.kind) == kind.value)
    return list(
        (await session.exec(statement.order_by(col(AssessmentScheme.version).desc()))).all()
    )


async def for_period(
    session: AsyncSession, *, kind: PeriodKind, starts_on: date
) -> AssessmentScheme | None:
    """The version a period starting on `starts_on` is filled with (the latest in force)."""
    statement = (
        select(AssessmentScheme)
        .where(
            col(AssessmentScheme.kind) == kind.value,
            col(AssessmentScheme.effective_from) <= starts_on,
        )
        .order_by(col(AssessmentScheme.effective_from).desc(), col(AssessmentScheme.version).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def save(
    session: AsyncSession,
    *,
    kind: PeriodKind,
    items: list[Item],
    today: date,
    actor: audit.Actor,
    effective_from: date | None = None,
) -> AssessmentScheme:
    """A new version of the scheme, used from the next period (the running one keeps its own)."""
    check(items)
    existing = await versions(session, kind=kind)
    scheme = AssessmentScheme(
        kind=kind.value,
        version=(existing[0].version + 1) if existing else 1,
        effective_from=effective_from or next_start(kind, today),
        items=[item.as_json() for item in items],
        created_by=actor.name,
    )
    session.add(scheme)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="assessments.scheme",
        target_type="assessment_scheme",
        target_id=scheme.id,
        summary=f"{kind.label}考核方案第 {scheme.version} 版，自 {scheme.effective_from} 起用",
    )
    return scheme
