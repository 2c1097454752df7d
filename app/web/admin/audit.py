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
from app.services.people import org_units as org_unit_service
from app.services.people.roster import mask_phone
from app.web.admin.deps import ConsoleAdmin
from app.web.admin.forms import parse_page
from app.web.admin.pages import NotFound, render

router = APIRouter(prefix="/audit")

PAGE_SIZE = 50
ACTIONS = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.login_locked": "锁定期间尝试登录",
    "auth.logout": "退出登录",
    "person.create": "新增人员",
    "person.update": "修改人员",
    "person.stage": "登记阶段变化",
    "people.export": "导出名册",
    "people.import": "导入名册",
    "binding.issue_code": "生成绑定码",
    "binding.revoke_code": "作废绑定码",
    "binding.bind": "微信绑定",
    "binding.unbind": "解除绑定",
    "role.assign": "任命支部职务",
    "role.remove": "免去支部职务",
    "study_pair.create": "登记结对帮学",
    "study_pair.end": "结束结对帮学",
    "admin_user.create": "新增账号",
    "admin_user.create_first": "创建首个管理员",
    "admin_user.deactivate": "停用账号",
    "admin_user.activate": "启用账号",
    "admin_user.password_reset": "重置密码",
    "api_token.create": "创建 API 令牌",
    "api_token.revoke": "吊销 API 令牌",
    "newsletter.create": "新建刊物",
    "newsletter.update": "修改刊物",
    "newsletter.send": "发送刊物",
    "newsletter.unschedule": "取消定时发送",
    "newsletter.series_create": "新增刊物栏目",
    "broadcast.export": "导出推送明细",
    "broadcast.cancel": "取消推送",
    "meeting.create": "新建会议",
    "meeting.update": "修改会议",
    "meeting.cancel": "取消会议",
    "meeting.minutes": "保存会议记录",
    "meeting.attachment_add": "上传会议附件",
    "meeting.attachment_delete": "删除会议附件",
    "meeting.mark_present": "登记出席",
    "meeting.unmark_present": "撤销出席登记",
    "meeting.export": "导出签到表",
    "meeting.qr": "生成签到二维码",
    "study_day.rule": "设置固定学习日",
    "leave.approve": "准假",
    "leave.reject": "不准假",
    "job.run": "手动运行定时任务",
    "pledge.create": "新建承诺书",
    "pledge.update": "修改承诺书",
    "pledge.publish": "发布承诺书",
    "pledge.cancel": "取消承诺书",
    "pledge.void": "作废签署",
    "pledge.export": "导出签署情况",
    "talk.create": "登记廉政谈话",
    "talk.update": "修改廉政谈话",
    "talk.list": "查看廉政谈话列表",
    "talk.view": "查看廉政谈话",
    "talk.export": "导出廉政谈话",
    "question.import": "导入题库",
    "question.retire": "停用试题",
    "question.restore": "启用试题",
    "quiz.create": "新建知识测试",
    "quiz.update": "修改知识测试",
    "quiz.publish": "发布知识测试",
    "quiz.close": "结束知识测试",
    "quiz.cancel": "取消知识测试",
    "quiz.export": "导出测试成绩",
}
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
    "pass_mark": "合格分",
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
