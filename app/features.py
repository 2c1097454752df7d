"""The features, one name in every layer; the collectors take them from this one list.

A feature `name` may have `app/models/<name>.py`, `app/services/<name>/`, `app/handlers/<name>.py`,
`app/jobs/<name>.py`, `app/web/admin/<name>` (a module, or a package whose `__init__` holds the
feature's `router`), `app/web/member/<name>.py`, templates under `{admin,m}/<name>/`, and
`tests/<name>/`. The chat router, the scheduler, the console and the member pages import the
layer modules of every feature below, in this order; adding a feature is one line here.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType

from fastapi import APIRouter


@dataclass(frozen=True)
class Feature:
    """One feature: its name in code, the seed's mechanism it serves, what it is on screen."""

    name: str
    mechanism: str  # 组织发展 / 日常管理 / 学习培训 / 激励约束, or 基础 for the machinery
    title: str


FEATURES: tuple[Feature, ...] = (
    Feature("people", "组织发展", "名册：人员、组织、支部职务、结对帮学、导入导出"),
    Feature("admission", "组织发展", "发展党员：25 个步骤、法定期限、公示与意见、思想汇报、培训班"),
    Feature("binding", "基础", "微信绑定：关注者与绑定码"),
    Feature("me", "日常管理", "我的记录：党员自己的信息与待办"),
    Feature("meetings", "学习培训", "固定学习日与三会一课：提醒、签到、请假、补学"),
    Feature("pledges", "激励约束", "廉洁承诺书：发布、签署、提醒、截止"),
    Feature("talks", "激励约束", "廉政谈话记录"),
    Feature("quizzes", "学习培训", "知识测试：题库、答题、成绩"),
    Feature("suggestions", "激励约束", "合理化建议：评审、采纳、实施、效益核定、金点子"),
    Feature("reflections", "学习培训", "微感悟：主题征集、撰写、编选入刊"),
    Feature("volunteering", "激励约束", "志愿服务：报名与候补、签到、时长、证书"),
    Feature("contributions", "激励约束", "岗位建功：技术攻关、工艺改进、降本增效"),
    Feature("assessments", "激励约束", "三亮三挂三考核：月度、季度、年度考核表"),
    Feature("appraisal", "激励约束", "民主评议党员：自评、匿名互评、支部评定"),
    Feature("reports", "日常管理", "支部概览与一键工作台账"),
    Feature("newsletters", "日常管理", "刊物：《神特组宣》《神特清风》"),
    Feature("broadcasts", "基础", "推送：每人一行，恰好一次"),
    Feature("messages", "基础", "消息记录：党员发来的消息与回复"),
    Feature("accounts", "基础", "控制台账号与 API 令牌"),
    Feature("attachments", "基础", "附件：照片与证明材料，对话中的照片自动保存"),
    Feature("audit", "基础", "审计日志"),
)


def layer_modules(layer: str) -> list[ModuleType]:
    """Each feature's module in one layer (`handlers`, `jobs`, `web.admin`, …), in list order."""
    modules = []
    for feature in FEATURES:
        name = f"app.{layer}.{feature.name}"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


def combined(*modules: ModuleType, into: APIRouter | None = None) -> APIRouter:
    """A router with each module's `router` included in this order (the first match wins)."""
    router = into if into is not None else APIRouter()
    for module in modules:
        router.include_router(module.router)
    return router
