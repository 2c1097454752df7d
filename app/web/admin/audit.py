"""The audit trail (admins only): who did what and when, with a before/after view of each change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Session
from app.models import (
    AdminRole,
    AudienceKind,
    AuditLog,
    PersonStatus,
    PoliticalStage,
    TalkCategory,
)
from app.services import audit as audit_service
from app.services.audit import ACTIONS
from app.services.people import org_units as org_unit_service
from app.services.people.roster import mask_phone
from app.web.admin.deps import ConsoleAdmin
from app.web.admin.forms import parse_page
from app.web.admin.pages import NotFound, render

router = APIRouter(prefix="/audit")

PAGE_SIZE = 50
TARGETS = {
    "person": "人员",
    "admin_user": "账号",
    "api_token": "API 令牌",
    "study_pair": "结对帮学",
    "newsletter_issue": "刊物",
    "broadcast": "推送",
    "newsletter_series": "刊物栏目",
    "meeting": "会议",
    "study_day_rule": "固定学习日规则",
    "leave_request": "请假",
    "meeting_attachment": "会议附件",
    "job": "定时任务",
    "pledge_campaign": "廉洁承诺书",
    "pledge_signature": "承诺签署",
    "integrity_talk": "廉政谈话",
    "question": "试题",
    "quiz": "知识测试",
}
FIELDS = {
    "employee_no": "工号",
    "name": "姓名",
    "department": "部门",
    "post": "岗位",
    "is_manager": "管理人员",
    "org_unit_id": "所在组织",
    "stage": "政治面貌",
    "stage_since": "阶段开始日期",
    "probation_ends_on": "预备期满",
    "status": "状态",
    "phone": "电话",
    "note": "备注",
    "updated_at": "更新时间",
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "is_active": "启用",
    "session_version": "会话版本",
    "person_id": "谈话对象",
    "category": "岗位类别",
    "held_on": "谈话日期",
    "held_by": "谈话人",
    "title": "标题",
    "year": "年度",
    "audience": "范围",
    "person_ids": "指定人员",
    "deadline": "截止时间",
    "remind_every_days": "提醒间隔（天）",
    "remind_max": "最多提醒次数",
    "current_version": "当前版本",
    "voided_at": "作废时间",
    "void_reason": "作废原因",
    "pass_mark": "合格线",
    "description": "说明",
    "question_ids": "试题",
}
_SENSITIVE = {"phone"}  # never shown in full, not even to admins
_NOISE = {"id", "created_at", "updated_at"}  # bookkeeping, not what the admin changed
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "stage": {stage.value: stage.label for stage in PoliticalStage},
    "status": {status.value: status.label for status in PersonStatus},
    "role": {role.value: role.label for role in AdminRole},
    "category": {category.value: category.label for category in TalkCategory},
    "audience": {kind.value: kind.label for kind in AudienceKind},
}


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One field of a change: its value before and after."""

    field: str
    label: str
    before: Any
    after: Any
    changed: bool


def _shown(field: str, value: Any, units: dict[int, str]) -> Any:
    """A stored value as the admin reads it: labels, 是/否, unit names, masked phones."""
    if value is None:
        return None
    if field in _SENSITIVE and isinstance(value, str):
        return mask_phone(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field == "org_unit_id" and isinstance(value, int):
        return units.get(value, value)
    return _VALUE_LABELS.get(field, {}).get(str(value), value)


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None, units: dict[int, str]
) -> list[DiffRow]:
    """Every field of either side, changed ones flagged and first; bookkeeping fields left out."""
    old, new = before or {}, after or {}
    rows = [
        DiffRow(
            key,
            FIELDS.get(key, key),
            _shown(key, old.get(key), units),
            _shown(key, new.get(key), units),
            (key in old) != (key in new) or old.get(key) != new.get(key),
        )
        for key in dict.fromkeys([*old, *new])
        if key not in _NOISE
    ]
    return sorted(rows, key=lambda row: not row.changed)


@router.get("", response_class=HTMLResponse)
async def audit_list(
    request: Request,
    session: Session,
    me: ConsoleAdmin,
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    page: str = "",
) -> HTMLResponse:
    """Newest first, filtered by action (prefix) or target."""
    number = parse_page(page)
    entries = await audit_service.recent(
        session,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
        action_prefix=action.strip() or None,
        target_type=target_type.strip() or None,
        target_id=target_id.strip() or None,
    )
    context = {
        "nav": "audit",
        "entries": entries[:PAGE_SIZE],
        "has_next": len(entries) > PAGE_SIZE,
        "page": number,
        "filters": {"action": action, "target_type": target_type, "target_id": target_id},
        "actions": ACTIONS,
        "targets": TARGETS,
    }
    return render(request, "admin/audit/list.html", context)


@router.get("/{entry_id:int}", response_class=HTMLResponse)
async def audit_entry(
    request: Request, entry_id: int, session: Session, me: ConsoleAdmin
) -> HTMLResponse:
    """One entry with its before/after side by side."""
    entry = await session.get(AuditLog, entry_id)
    if entry is None:
        raise NotFound("没有这条审计记录。")
    context = {
        "nav": "audit",
        "entry": entry,
        "rows": diff(entry.before, entry.after, await org_unit_service.path_names(session)),
        "actions": ACTIONS,
    }
    return render(request, "admin/audit/detail.html", context)
