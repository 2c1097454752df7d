"""Opening a development file, entering a paper history, reviews, extending probation, stopping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdmissionFile,
    AdmissionReview,
    FileStatus,
    Person,
    PersonStatus,
    PoliticalStage,
)
from app.models.types import utcnow
from app.services import audit
from app.services.admission import procedure, steps
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import StepInput, StepRefused


async def _new_file(
    session: AsyncSession, person: Person, birth_date: date | None, actor: audit.Actor
) -> Dossier:
    if person.status != PersonStatus.ACTIVE.value:
        raise StepRefused(f"{person.name} 不在册，不能建立发展档案")
    file = AdmissionFile(person_id=person.id or 0, birth_date=birth_date, created_by=actor.name)
    try:
        async with session.begin_nested():
            session.add(file)
            await session.flush()
    except IntegrityError:
        raise StepRefused(f"{person.name} 已有发展档案") from None
    return Dossier(file=file, person=person, steps={})


async def open_file(
    session: AsyncSession,
    *,
    person: Person,
    birth_date: date,
    applied_on: date,
    note: str | None,
    actor: audit.Actor,
    rules: steps.Rules,
) -> Dossier:
    """A new file for someone who has just applied (步骤 1, 递交入党申请书, recorded with it)."""
    if person.stage not in (PoliticalStage.MASSES.value, PoliticalStage.APPLICANT.value):
        label = PoliticalStage(person.stage).label
        raise StepRefused(f"{person.name} 已是{label}：请录入其历史发展档案，而不是新建申请")
    if birth_date > rules.today:
        raise StepRefused("出生日期不能晚于今天")
    steps.check_age(birth_date, applied_on)
    dossier = await _new_file(session, person, birth_date, actor)
    await steps.record(
        session,
        dossier=dossier,
        data=StepInput(code="apply", done_on=applied_on, note=note),
        actor=actor,
        rules=rules,
    )
    return dossier


async def enter_history(
    session: AsyncSession,
    *,
    person: Person,
    birth_date: date | None,
    dates: Mapping[str, date],
    actor: audit.Actor,
    rules: steps.Rules,
) -> Dossier:
    """A file from paper records: the dates given, in the procedure's order; the person's stage
    follows the last of them. Complete through 上级党委审批转正, it is closed as done."""
    if "apply" not in dates:
        raise StepRefused("历史档案至少须填写递交入党申请书的日期")
    unknown = set(dates) - set(procedure.BY_CODE)
    if unknown:
        raise StepRefused("没有这个步骤")
    dossier = await _new_file(session, person, birth_date, actor)
    dossier.file.historical = True
    for step in procedure.STEPS:
        if step.code in dates:
            data = StepInput(code=step.code, done_on=dates[step.code], historical=True)
            await steps.record(session, dossier=dossier, data=data, actor=actor, rules=rules)
    if "conversion_approval" in dates and dossier.is_open:
        dossier.file.status = FileStatus.DONE.value
    session.add(dossier.file)
    await session.flush()
    return dossier


async def add_review(
    session: AsyncSession,
    *,
    dossier: Dossier,
    reviewed_on: date,
    summary: str,
    actor: audit.Actor,
    today: date,
) -> AdmissionReview:
    """Record a half-yearly 考察 of an activist or candidate."""
    activist = dossier.done_on("activist")
    if activist is None:
        raise StepRefused("确定为入党积极分子后才有培养考察")
    if not summary.strip():
        raise StepRefused("请填写考察意见")
    if reviewed_on > today:
        raise StepRefused("日期不能晚于今天")
    if reviewed_on < activist:
        raise StepRefused(f"考察日期早于确定为入党积极分子的日期（{activist.isoformat()}）")
    review = AdmissionReview(
        file_id=dossier.id, reviewed_on=reviewed_on, summary=summary.strip(), recorded_by=actor.name
    )
    session.add(review)
    await session.flush()
    dossier.reviews.append(review)
    await audit.record(
        session,
        actor=actor,
        action="admission.review",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"{dossier.person.name}：半年考察（{reviewed_on.isoformat()}）",
    )
    return review


async def extend_probation(
    session: AsyncSession,
    *,
    dossier: Dossier,
    months: int,
    reason: str,
    actor: audit.Actor,
) -> date:
    """延长预备期 by 6–12 months (once), as the branch meeting resolved; the new end date."""
    low, high = procedure.EXTENSION_MONTHS
    if dossier.probation_ends_on() is None or dossier.done_on("conversion_resolution"):
        raise StepRefused("只有预备期内的预备党员才能延长预备期")
    if dossier.file.probation_extension_months:
        raise StepRefused("预备期只能延长一次")
    if not low <= months <= high:
        raise StepRefused("延长预备期不少于半年、最长不超过一年（6–12 个月）")
    if not reason.strip():
        raise StepRefused("请填写延长预备期的理由（支部大会决议）")
    dossier.file.probation_extension_months = months
    dossier.file.extension_reason = reason.strip()
    dossier.file.updated_at = utcnow()
    ends = dossier.probation_ends_on()
    assert ends is not None
    dossier.person.probation_ends_on = ends
    session.add(dossier.file)
    session.add(dossier.person)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admission.extend",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"{dossier.person.name}：延长预备期 {months} 个月，至 {ends.isoformat()}",
    )
    return ends


async def stop(session: AsyncSession, *, dossier: Dossier, reason: str, actor: audit.Actor) -> None:
    """终止发展 (or 取消预备党员资格): the file closes with the reason; the stage is not changed."""
    if not dossier.is_open:
        raise StepRefused("该发展档案已关闭")
    if not reason.strip():
        raise StepRefused("请填写终止的理由")
    dossier.file.status = FileStatus.STOPPED.value
    dossier.file.status_reason = reason.strip()
    dossier.file.updated_at = utcnow()
    session.add(dossier.file)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="admission.stop",
        target_type="admission_file",
        target_id=dossier.id,
        summary=f"{dossier.person.name}：终止发展（{reason.strip()}）",
    )


async def person_file_id(session: AsyncSession, *, person_id: int) -> int | None:
    """The id of the person's development file, if they have one."""
    statement = select(AdmissionFile.id).where(AdmissionFile.person_id == person_id)
    return (await session.exec(statement)).first()
