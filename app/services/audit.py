"""The audit trail: every admin write, sign-in and export, with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditLog
from app.models.types import utcnow

# Never copied into the audit trail, whatever the model holds (phones are kept masked).
_HIDDEN_FIELDS = {"password_hash", "token_hash", "code_hash"}
# What each action is called on screen (the audit trail, a person's history).
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
    "calendar.enter": "录入放假安排",
    "admission.step": "办理发展步骤",
    "admission.review": "登记半年考察",
    "admission.extend": "延长预备期",
    "admission.stop": "终止发展",
    "admission.document": "上传发展材料",
    "admission.view_political_review": "查看政审材料",
    "admission.export": "导出发展党员台账",
    "admission.report": "递交思想汇报",
    "admission.report_ack": "确认阅读思想汇报",
    "admission.notice": "发起公示",
    "admission.objection": "收到公示意见",
    "admission.view_objections": "查看公示意见",
    "admission.check_objection": "核实公示意见",
    "admission.notice_recompute": "重算公示期",
    "admission.notice_export": "下载公示文件",
    "admission.course.create": "新建发展对象培训班",
    "admission.course.session": "安排培训课次",
    "admission.course.enrol": "编入培训班",
    "admission.course.unenrol": "移出培训班",
    "reflections.topic": "新建微感悟主题",
    "reflections.announce": "发布微感悟征集通知",
    "reflections.decide": "编选微感悟",
    "reflections.edit": "编辑微感悟",
    "reflections.insert": "微感悟编入刊物",
    "reflections.export": "导出微感悟",
    "contribution.create": "登记岗位建功",
    "contribution.update": "修改岗位建功",
    "contribution.verify": "核实岗位建功",
    "contribution.reject": "岗位建功未通过",
    "contribution.evidence_delete": "删除岗位建功证明材料",
    "contribution.export": "导出岗位建功",
    "suggestion.decide": "合理化建议决定",
    "suggestion.assign": "指定建议评审人",
    "suggestion.review": "填写建议评审意见",
    "suggestion.campaign": "新建建议评选活动",
    "suggestion.export": "导出合理化建议",
    "volunteer.team_create": "新建志愿服务队",
    "volunteer.team_update": "修改志愿服务队",
    "volunteer.activity_create": "新建志愿服务活动",
    "volunteer.activity_update": "修改志愿服务活动",
    "volunteer.activity_publish": "发布志愿服务活动",
    "volunteer.activity_cancel": "取消志愿服务活动",
    "volunteer.qr": "生成志愿服务签到二维码",
    "volunteer.hours_approve": "审批志愿服务时长",
    "volunteer.export": "导出志愿服务时长台账",
    "volunteer.certificate": "下载志愿服务证明",
    "appraisal.create": "新建民主评议",
    "appraisal.open": "开启民主评议",
    "appraisal.verdict": "民主评议支部评定",
    "appraisal.export": "导出民主评议",
    "assessments.scheme": "保存考核方案",
    "assessments.adjust": "调整考核结果",
    "assessments.sign_off": "签发考核结果",
    "assessments.export": "导出考核表",
    "assessments.sheet_refused": "查看他人考核表被拒绝",
    "reports.ledger_export": "导出工作台账",
    "reports.word_export": "下载年度工作总结",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, from where (the request's IP and id)."""

    id: int | None
    name: str
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor(id=None, name="system")


def snapshot(model: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row for before/after, without secrets."""
    if model is None:
        return None
    out: dict[str, Any] = {}
    for key, value in model.model_dump().items():
        if key in _HIDDEN_FIELDS:
            continue
        if key == "phone" and isinstance(value, str):
            value = value[:3] + "****" + value[-4:] if len(value) > 7 else "****"
        out[key] = value.isoformat() if isinstance(value, date | datetime | time) else value
    return out


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    summary: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit entry to the current unit of work (it commits with the change itself)."""
    entry = AuditLog(
        at=utcnow(),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary,
        before=before,
        after=after,
        ip=actor.ip,
        request_id=actor.request_id,
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(
    session: AsyncSession,
    *,
    limit: int = 100,
    offset: int = 0,
    action_prefix: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> list[AuditLog]:
    """The newest entries first, optionally filtered."""
    statement = select(AuditLog)
    if action_prefix:
        statement = statement.where(col(AuditLog.action).startswith(action_prefix))
    if target_type:
        statement = statement.where(AuditLog.target_type == target_type)
    if target_id:
        statement = statement.where(AuditLog.target_id == target_id)
    statement = statement.order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)
    return list((await session.exec(statement)).all())
