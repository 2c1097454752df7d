"""`shente seed-demo` leaves development files at every stage: an overdue talk, an activist
reviewed, a candidate in the training course, one in her 公示 with an objection, the five 预备党员
(one a month from conversion) and an archived full member — once, however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import func, select

from app.dev.demo import seed
from app.models import (
    AdmissionCourse,
    AdmissionFile,
    AssigneeRole,
    FileStatus,
    NoticeKind,
    PoliticalStage,
)
from app.models.types import CHINA
from app.services import workdays
from app.services.admission import course_standing, deadlines, dossiers
from app.services.admission import courses as course_service
from app.services.admission.dossiers import Dossier
from app.services.people import roster as people_service
from tests.support.app import AppClient
from tests.support.demo import seed_demo


async def _file(client: AppClient, employee_no: str) -> Dossier:
    async with client.sessions() as session:
        person = await people_service.get_by_employee_no(session, employee_no=employee_no)
        assert person is not None and person.id is not None, employee_no
        found = await dossiers.for_person(session, person_id=person.id)
        assert found is not None, employee_no
        return found


async def test_the_demo_has_a_file_at_every_stage(client: AppClient) -> None:
    await seed_demo(client)
    async with client.sessions() as session:
        count = select(func.count()).select_from(AdmissionFile)
        files = int((await session.exec(count)).one())
    await seed(client.settings)  # idempotent
    async with client.sessions() as session:
        assert int((await session.exec(count)).one()) == files == 10
        courses = (await session.exec(select(AdmissionCourse))).all()
        calendar = await workdays.load(session)
    today = datetime.now(UTC).astimezone(CHINA).date()

    def due(dossier: Dossier) -> dict[str, deadlines.Deadline]:
        found = deadlines.compute(dossier, workdays=calendar, today=today, review_valid_months=12)
        return {d.key.split(":")[0]: d for d in found}

    # 郑凯 applied two months ago; the talk was due within a month: overdue.
    applicant = await _file(client, "ST023")
    assert applicant.person.stage == PoliticalStage.APPLICANT.value
    assert set(applicant.steps) == {"apply"} and not applicant.file.historical
    assert due(applicant)["talk"].overdue

    # 宋佳: an activist with two contacts and a half-yearly review.
    activist = await _file(client, "ST022")
    assert activist.person.stage == PoliticalStage.ACTIVIST.value
    assert len(activist.people(AssigneeRole.CONTACT)) == 2
    assert activist.reviews and activist.next_step() is not None

    # 梁宇: a candidate with introducers and 政审, in the course, two sessions attended.
    candidate = await _file(client, "ST021")
    assert candidate.person.stage == PoliticalStage.CANDIDATE.value
    assert {"introducers", "political_review"} <= set(candidate.steps)
    assert "training" not in candidate.steps
    [course] = courses
    assert candidate.course_ids == [course.id]
    async with client.sessions() as session:
        view = await course_service.view(session, course=course)
        [place] = await course_standing.roster(session, course=course)
    assert len(view.sessions) == 3 and view.total_hours == 24
    assert view.quiz is not None  # the demo's test is the closing exam
    assert place.standing.hours == 16 and not place.standing.passed
    assert view.last_day is not None and view.last_day > today

    # 韩雪: every step through 支部委员会审查 (the 公示 is next).
    reviewed = await _file(client, "ST024")
    assert reviewed.person.stage == PoliticalStage.CANDIDATE.value
    assert "committee_review" in reviewed.steps and not reviewed.file.historical
    next_step = reviewed.next_step()
    assert next_step is not None and next_step.code == "pre_review"
    # … and in her 公示 now, with one anonymous objection not checked yet.
    notice = reviewed.notice(NoticeKind.CANDIDATE)
    assert notice is not None and notice.starts_on <= today <= notice.ends_on
    assert len(reviewed.notices) == 1  # seeded twice, started once
    [objection] = reviewed.unresolved(notice)
    assert not objection.named and objection.objector_name is None
    assert reviewed.holding_notice(today) == notice

    # The five 预备党员 from paper records, placed and sworn in; 林涛 a month from conversion.
    for number in ("ST016", "ST017", "ST018", "ST019", "ST020"):
        probationary = await _file(client, number)
        assert probationary.file.historical and probationary.is_open
        assert {"approval", "placement", "oath"} <= set(probationary.steps)
        assert probationary.person.stage == PoliticalStage.PROBATIONARY.value
        assert probationary.person.probation_ends_on == probationary.probation_ends_on()
    near = await _file(client, "ST019")
    ends = near.probation_ends_on()
    assert ends is not None and 25 <= (ends - today).days <= 35
    assert 20 <= due(near)["probation"].days_left <= 40

    # 孙娜: a full member's complete file, archived.
    full = await _file(client, "ST012")
    assert full.file.status == FileStatus.DONE.value and full.file.historical
    assert "archive" in full.steps and full.person.stage == PoliticalStage.FULL.value
