"""Recording a step: every rule of the procedure checked, the stage change it causes made.

A refused step raises `StepRefused` with the reason in Chinese; a step someone else recorded
first raises `StepAlreadyRecorded` (the unique (file, step) key settles a race between two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionAssignee,
    AdmissionStep,
    AssigneeRole,
    FileStatus,
    Person,
    PoliticalStage,
)
from app.models.people import StageTransitionCreate
from app.models.types import utcnow
from app.services import audit
from app.services.admission import course_standing, procedure
from app.services.admission.dossiers import Dossier
from app.services.admission.procedure import Field, Step
from app.services.people import roster as people_service
from app.services.workdays import months_after


class StepRefused(ValueError):
    """A step the procedure does not allow, with the reason for the admin."""


class StepAlreadyRecorded(StepRefused):
    """The step is on the file already (perhaps recorded a moment ago by someone else)."""

    def __init__(self, step: AdmissionStep) -> None:
        super().__init__(
            f"{procedure.label(procedure.step(step.code))}已由 {step.recorded_by or '他人'} "
            f"记录（{step.done_on.isoformat()}），不能重复记录"
        )
        self.step = step


@dataclass(frozen=True)
class StepInput:
    """What an admin records for a step."""

    code: str
    done_on: date
    document_no: str | None = None
    document_date: date | None = None
    note: str | None = None
    training_starts_on: date | None = None
    training_ends_on: date | None = None
    training_hours: int | None = None
    late_reason: str | None = None
    people: tuple[int, ...] = field(default=())  # contacts or introducers, by person id
    # Entered afterwards from paper records: order and dates are checked, but not the rules
    # that were different then (or cannot be checked now: 公示, the training class, 政审).
    historical: bool = False


@dataclass(frozen=True)
class Rules:
    """The settings the checks need."""

    today: date
    review_valid_months: int = 12


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_age(birth: date, applied_on: date) -> None:
    """Refuse an application made before the 18th birthday (细则 第五条: 年满十八岁)."""
    if _age_on(birth, applied_on) < procedure.MINIMUM_AGE:
        raise StepRefused(
            f"申请入党须年满十八周岁：申请日（{applied_on.isoformat()}）时"
            f"未满十八周岁（出生于 {birth.isoformat()}）"
        )


def _check_order(dossier: Dossier, step: Step, data: StepInput, rules: Rules) -> None:
    if step.code in dossier.steps:
        raise StepAlreadyRecorded(dossier.steps[step.code])
    for code in step.after:
        if not dossier.passed(code) and not data.historical:
            raise StepRefused(f"请先完成{procedure.label(procedure.step(code))}")
    if data.done_on > rules.today:
        raise StepRefused("日期不能晚于今天")
    for code in step.after:
        before = dossier.steps.get(code)
        if before is None:
            continue
        if data.done_on < before.done_on:
            raise StepRefused(
                f"日期（{data.done_on.isoformat()}）早于{procedure.label(procedure.step(code))}"
                f"的日期（{before.done_on.isoformat()}）"
            )
    if data.document_date is not None and data.document_date > rules.today:
        raise StepRefused("文件日期不能晚于今天")


def _check_time_rules(dossier: Dossier, step: Step, data: StepInput, rules: Rules) -> None:
    done = dossier.done_on
    match step.code:
        case "apply":
            if dossier.file.birth_date is not None:
                check_age(dossier.file.birth_date, data.done_on)
        case "candidate":
            earliest = months_after(done("activist") or data.done_on, procedure.ACTIVIST_MONTHS)
            if data.done_on < earliest and not data.historical:
                raise StepRefused(
                    f"确定为入党积极分子（{done('activist')}）后须经过一年以上培养考察，"
                    f"最早于 {earliest.isoformat()} 确定为发展对象"
                )
        case "branch_resolution":
            training = dossier.steps.get("training")
            ended = training.details.get("ends_on") if training else None
            trained = date.fromisoformat(ended) if ended else (training and training.done_on)
            if trained and trained > data.done_on:
                raise StepRefused(f"集中培训（结束于 {trained}）须在支部大会之前完成")
            reviewed = done("political_review")
            if reviewed is None:  # history entered without it
                return
            valid = months_after(reviewed, rules.review_valid_months)
            if data.done_on > valid and not data.historical:
                raise StepRefused(
                    f"政审（{reviewed.isoformat()}）已于 {valid.isoformat()} 过期，"
                    "请重新进行政治审查后再召开支部大会"
                )
        case "approval" | "conversion_approval":
            since_code = "branch_resolution" if step.code == "approval" else "conversion_resolution"
            since = done(since_code)
            if since is None:  # history entered without it
                return
            latest = months_after(since, procedure.APPROVAL_MONTHS_AT_MOST)
            usual = months_after(since, procedure.APPROVAL_MONTHS)
            if data.done_on > latest and not data.historical:
                raise StepRefused(
                    f"审批须在支部大会决议（{since.isoformat()}）后六个月内"
                    f"（至 {latest.isoformat()}）"
                )
            if (
                data.done_on > usual
                and not (data.late_reason or "").strip()
                and not data.historical
            ):
                raise StepRefused(
                    f"审批超过支部大会决议后三个月（{usual.isoformat()}），须填写延长审批的理由"
                )
        case "conversion_resolution":
            ends = dossier.probation_ends_on()
            if ends is not None and data.done_on < ends:
                raise StepRefused(f"预备期于 {ends.isoformat()} 届满，届满后方可讨论转正")


def _check_training(data: StepInput) -> dict[str, object]:
    starts, ends, hours = data.training_starts_on, data.training_ends_on, data.training_hours
    if starts is None or ends is None:
        raise StepRefused("请填写集中培训的开始和结束日期")
    if ends < starts:
        raise StepRefused("培训结束日期早于开始日期")
    if data.done_on < ends:
        raise StepRefused("培训尚未结束：办理日期不能早于培训结束日期")
    if hours is not None and hours < 0:
        raise StepRefused("学时不能为负数")
    days = (ends - starts).days + 1
    if days < procedure.TRAINING_DAYS and (hours or 0) < procedure.TRAINING_HOURS:
        raise StepRefused(f"集中培训不少于三天或二十四学时（本次 {days} 天、{hours or 0} 学时）")
    return {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "hours": hours}


async def _check_people(
    session: AsyncSession, dossier: Dossier, step: Step, data: StepInput
) -> list[Person]:
    contacts = Field.CONTACTS in step.fields
    wanted = (1, 2) if contacts else (2, 2)
    what = "培养联系人" if contacts else "入党介绍人"
    ids = list(dict.fromkeys(data.people))
    if not wanted[0] <= len(ids) <= wanted[1]:
        count = "一至两名" if contacts else "两名"
        raise StepRefused(f"请指定{count}正式党员作为{what}")
    found = []
    for person_id in ids:
        person = await session.get(Person, person_id)
        if person is None:
            raise StepRefused(f"找不到所选的{what}")
        if person.id == dossier.person.id:
            raise StepRefused(f"{what}不能是本人")
        if person.stage != PoliticalStage.FULL.value:
            raise StepRefused(f"{person.name} 不是正式党员，不能担任{what}")
        found.append(person)
    return found


def _check_notice(dossier: Dossier, step: Step, data: StepInput, rules: Rules) -> None:
    if data.historical:
        return
    holding = dossier.holding_notice(rules.today)
    if holding is not None:
        if dossier.unresolved(holding):
            raise StepRefused("公示收到的意见尚未核实完毕，核实并填写结论后才能办理下一步")
        raise StepRefused(
            f"公示期（{holding.starts_on.isoformat()} 至 {holding.ends_on.isoformat()}）"
            "尚未结束，结束后才能办理下一步"
        )
    if step.needs_notice is None:
        return
    notice = dossier.notice(step.needs_notice)
    if notice is None:
        raise StepRefused(f"请先进行{step.needs_notice.label}（公示期满、意见核实后办理本步骤）")
    if data.done_on <= notice.ends_on:
        raise StepRefused(f"公示于 {notice.ends_on.isoformat()} 结束，本步骤日期须在其后")
    assert notice.id is not None
    if any(o.outcome == "upheld" for o in dossier.objections.get(notice.id, [])):
        raise StepRefused("公示期间反映的问题经核实属实，不能继续办理；请由支部研究处理")


async def _check_course(session: AsyncSession, dossier: Dossier) -> None:
    for standing in await course_standing.standings(
        session, course_ids=dossier.course_ids, person_id=dossier.person.id or 0
    ):
        if not standing.passed:
            raise StepRefused(f"培训班「{standing.course.title}」尚未结业：{standing.shortfall}")


async def _stage_change(
    session: AsyncSession, dossier: Dossier, step: Step, data: StepInput, actor: audit.Actor
) -> None:
    target = step.enters
    order = list(PoliticalStage)
    if target is None or order.index(PoliticalStage(dossier.person.stage)) >= order.index(target):
        return  # already there (history entered for someone the roster had at that stage)
    occurred = data.done_on
    if target is PoliticalStage.PROBATIONARY:
        occurred = dossier.done_on("branch_resolution") or occurred  # 预备期自支部大会通过之日起
    if target is PoliticalStage.FULL:
        occurred = dossier.probation_ends_on() or occurred  # 转正时间自预备期满之日算起
    change = StageTransitionCreate(
        to_stage=target,
        occurred_on=occurred,
        document_ref=data.document_no,
        note=f"组织发展{procedure.label(step)}",
    )
    await people_service.transition(
        session, person=dossier.person, data=change, actor=actor, by_procedure=True
    )
    if target is PoliticalStage.PROBATIONARY:
        dossier.person.probation_ends_on = dossier.probation_ends_on()
        session.add(dossier.person)


async def record(
    session: AsyncSession,
    *,
    dossier: Dossier,
    data: StepInput,
    actor: audit.Actor,
    rules: Rules,
) -> AdmissionStep:
    """Record a step on the file after checking every rule; the stage change it causes follows."""
    if not dossier.is_open:
        raise StepRefused(f"该发展档案{FileStatus(dossier.file.status).label}，不能再办理步骤")
    step = procedure.BY_CODE.get(data.code)
    if step is None:
        raise StepRefused("没有这个步骤")
    _check_order(dossier, step, data, rules)
    _check_notice(dossier, step, data, rules)
    _check_time_rules(dossier, step, data, rules)
    details: dict[str, object] = {}
    named: list[Person] = []
    if Field.TRAINING in step.fields and not (data.historical and data.training_ends_on is None):
        details = _check_training(data)
        if not data.historical:
            await _check_course(session, dossier)
    names_people = Field.CONTACTS in step.fields or Field.INTRODUCERS in step.fields
    # Paper history may give the date without the people (they may have left the roster).
    if names_people and not (data.historical and not data.people):
        named = await _check_people(session, dossier, step, data)
    if Field.LATE_REASON in step.fields and (data.late_reason or "").strip():
        details["late_reason"] = data.late_reason.strip() if data.late_reason else None
    if data.historical:
        details["historical"] = True
    row = AdmissionStep(
        file_id=dossier.id,
        code=step.code,
        done_on=data.done_on,
        document_no=(data.document_no or "").strip() or None,
        document_date=data.document_date,
        details=details,
        note=(data.note or "").strip() or None,
        recorded_by=actor.name,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = (
            await session.exec(
                select(AdmissionStep).where(
                    AdmissionStep.file_id == dossier.id, AdmissionStep.code == step.code
                )
            )
        ).one()
        raise StepAlreadyRecorded(existing) from None
    dossier.steps[step.code] = row
    role = AssigneeRole.CONTACT if Field.CONTACTS in step.fields else AssigneeRole.INTRODUCER
    for person in named:
        assert person.id is not None
        assignee = AdmissionAssignee(file_id=dossier.id, person_id=person.id, role=role.value)
        session.add(assignee)
        dossier.assignees.append(assignee)
    await _stage_change(session, dossier, step, data, actor)
    if step.code == "archive":
        dossier.file.status = FileStatus.DONE.value
    dossier.file.updated_at = utcnow()
    session.add(dossier.file)
    await session.flush()
    names = "、".join(p.name for p in named)
    await audit.record(
        session,
        actor=actor,
        action="admission.step",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"{dossier.person.name}：{procedure.label(step)}（{data.done_on.isoformat()}）"
        + (f"，{names}" if names else ""),
    )
    return row
