"""发展对象培训班 in the console: sessions held as meetings, 学时 from check-ins, the closing exam,
and step 11 recorded in one click only for those who passed both."""

from __future__ import annotations

import re
from datetime import date

from app.models import (
    AdminRole,
    AdmissionStep,
    AudienceKind,
    CourseSession,
    Person,
    PoliticalStage,
)
from app.services import audit
from app.services.admission import dossiers, files, steps
from app.services.admission.steps import Rules, StepInput
from app.services.meetings import invitees
from app.services.quizzes import answering, catalog
from tests.support.app import AppClient
from tests.support.chat import Chat, Member, add_party_members, china
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows
from tests.support.quizzes import add_questions, add_quiz, judge

SETUP_DAY = date(2026, 11, 2)
# (step, date, …): an applicant taken to 发展对象 on paper-true dates.
TO_CANDIDATE = (
    ("talk", date(2025, 1, 20)),
    ("activist", date(2025, 3, 1)),
    ("activist_filing", date(2025, 3, 5)),
    ("contacts", date(2025, 3, 5)),
    ("cultivation", date(2026, 3, 1)),
    ("candidate", date(2026, 3, 15)),
)


async def _take_to(client: AppClient, person_id: int, contact: int, last: str) -> int:
    """Open the person's file (applied 2025-01-05) and record the steps up to `last`."""
    rules = Rules(today=SETUP_DAY)
    async with client.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        dossier = await files.open_file(
            session,
            person=person,
            birth_date=date(1996, 5, 4),
            applied_on=date(2025, 1, 5),
            note=None,
            actor=audit.SYSTEM,
            rules=rules,
        )
        for code, day in TO_CANDIDATE:
            people = (contact,) if code == "contacts" else ()
            data = StepInput(code=code, done_on=day, people=people)
            await steps.record(session, dossier=dossier, data=data, actor=audit.SYSTEM, rules=rules)
            if code == last:
                break
        await session.commit()
        return dossier.id


def flashes(html: str) -> list[str]:
    """The flash messages on a page."""
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<div class="alert alert-\w+ py-2" role="\w+">(.*?)</div>', html, re.S)
    ]


def row_of(html: str, file_id: int) -> str:
    """One enrolled person's row of the course page, as text."""
    match = re.search(rf'<tr data-testid="person-row" data-file="{file_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for file {file_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


async def _attend(console: AppClient, meeting_id: int, person_id: int) -> None:
    """登记出席 on the meeting's page, as a secretary does for someone without a phone."""
    response = await post_form(
        console, f"/admin/meetings/{meeting_id}/attendance/{person_id}", {"present": "1"}
    )
    assert response.status_code == 303


async def test_a_course_passes_only_who_attended_every_hour_and_passed_the_exam(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(china(2026, 11, 2, 8))
    units = await default_units(client)
    mine = units.groups[0]
    contact = await add_person(client, "F001", "联系人甲", mine, stage="full")
    people: list[Member] = await add_party_members(
        client, 4, unit_id=mine, prefix="c", stage=PoliticalStage.MASSES
    )
    ann, ben, cai, dan = people
    files_of = {
        m.person_id: await _take_to(client, m.person_id, contact, "candidate")
        for m in (ann, ben, cai)
    }
    files_of[dan.person_id] = await _take_to(client, dan.person_id, contact, "activist")
    (question,) = await add_questions(client, [judge("入党积极分子须经一年以上培养考察。", "A")])
    quiz = await add_quiz(
        client,
        [question],
        deadline=china(2026, 11, 30, 18),
        title="发展对象培训班结业考试",
        org_unit_id=mine,
        audience=AudienceKind.PEOPLE,
        person_ids=[ann.person_id, ben.person_id, cai.person_id],
    )
    await admin_console(client)

    form = {"title": "2026年第二期发展对象培训班", "org_unit_id": str(mine), "required_hours": "16"}
    created = await post_form(
        client, "/admin/admission/courses/new", {**form, "quiz_id": str(quiz)}
    )
    assert created.status_code == 303
    course_url = created.headers["location"]
    for day, topic in (("2026-11-03", "党的基本理论"), ("2026-11-05", "党员的权利和义务")):
        session_form = {
            "title": topic,
            "day": day,
            "starts": "09:00",
            "ends": "17:00",
            "place": "党员活动室",
            "hours": "8",
        }
        added = await post_form(client, f"{course_url}/sessions", session_form)
        assert added.status_code == 303
    for member in (ann, ben, cai, dan):
        enrolled = await post_form(
            client, f"{course_url}/enrol", {"file_id": str(files_of[member.person_id])}
        )
        assert enrolled.status_code == 303
    page = (await client.get(course_url)).text
    assert f"未能报名：{dan.name} 是入党积极分子，只有发展对象才能参加发展对象培训班。" in flashes(
        page
    )
    assert f'data-file="{files_of[dan.person_id]}"' not in page
    assert "已安排 16 学时，结业须满 16 学时" in page
    meetings = [int(m) for m in re.findall(r'data-testid="session-row" data-meeting="(\d+)"', page)]
    assert len(meetings) == 2
    assert f'href="/admin/meetings/{meetings[0]}"' in page

    # Day 1: Ann checks in from the menu; Ben and Cai are recorded on the meeting's page.
    clock.set(china(2026, 11, 3, 8, 45))
    reply = await chat.click(ann.openid, "STUDY_CHECKIN")
    assert reply.startswith("签到成功！") and "党的基本理论" in reply
    for member in (ben, cai):
        await _attend(client, meetings[0], member.person_id)
    # Day 2: Ann again from the menu, Cai on the page; Ben does not come.
    clock.set(china(2026, 11, 5, 8, 50))
    assert (await chat.click(ann.openid, "STUDY_CHECKIN")).startswith("签到成功！")
    await _attend(client, meetings[1], cai.person_id)
    # The exam: Ann and Ben right, Cai wrong.
    async with client.sessions() as session:
        exam = await catalog.get(session, quiz_id=quiz)
        assert exam is not None
        for member, letter in ((ann, "A"), (ben, "A"), (cai, "B")):
            person = await session.get(Person, member.person_id)
            assert person is not None
            result = await answering.submit(
                session,
                quiz=exam,
                person=person,
                answers={question: letter},
                channel="page",
                now=clock(),
            )
            assert result.attempt is not None
        await session.commit()

    clock.set(china(2026, 11, 6, 10))
    page = (await client.get(course_url)).text
    assert row_of(page, files_of[ann.person_id]).count("16 / 16") == 1
    assert "已结业" in row_of(page, files_of[ann.person_id])
    assert "8 / 16" in row_of(page, files_of[ben.person_id])
    assert "未结业 已修 8 学时，须满 16 学时" in row_of(page, files_of[ben.person_id])
    assert "未结业 结业考试 0 分未通过" in row_of(page, files_of[cai.person_id])

    course = "培训班「2026年第二期发展对象培训班」尚未结业"
    expected = (
        (ann, f"已为 {ann.name} 记录第 11 步「开展集中培训」（2026-11-05）。"),
        (ben, f"{ben.name}：不能记录集中培训。{course}：已修 8 学时，须满 16 学时。"),
        (cai, f"{cai.name}：不能记录集中培训。{course}：结业考试 0 分未通过。"),
    )
    for member, message in expected:
        url = f"{course_url}/enrolments/{files_of[member.person_id]}/record-training"
        response = await post_form(client, url, {})
        assert response.status_code == 303
        page = (await client.get(course_url)).text
        assert message in flashes(page)
    assert "已记录（2026-11-05）" in row_of(page, files_of[ann.person_id])
    async with client.sessions() as session:
        ann_file = await dossiers.load(session, file_id=files_of[ann.person_id])
        ben_file = await dossiers.load(session, file_id=files_of[ben.person_id])
    assert ann_file is not None and ben_file is not None
    training: AdmissionStep = ann_file.steps["training"]
    assert training.done_on == date(2026, 11, 5)
    assert training.details == {"starts_on": "2026-11-03", "ends_on": "2026-11-05", "hours": 16}
    assert "training" not in ben_file.steps
    again = await post_form(
        client, f"{course_url}/enrolments/{files_of[ann.person_id]}/record-training", {}
    )
    assert again.status_code == 303
    assert any("不能重复记录" in f for f in flashes((await client.get(course_url)).text))


async def test_a_secretary_sees_and_acts_on_their_units_courses_only(
    client: AppClient, clock: Clock
) -> None:
    clock.set(china(2026, 11, 2, 8))
    units = await default_units(client)
    theirs = units.groups[1]
    contact = await add_person(client, "F001", "联系人甲", theirs, stage="full")
    (candidate,) = await add_party_members(
        client, 1, unit_id=theirs, prefix="t", stage=PoliticalStage.MASSES
    )
    file_id = await _take_to(client, candidate.person_id, contact, "candidate")
    await admin_console(client)
    form = {"title": "二组培训班", "org_unit_id": str(theirs), "required_hours": "24"}
    created = await post_form(client, "/admin/admission/courses/new", form)
    course_url = created.headers["location"]
    assert (
        await post_form(client, f"{course_url}/enrol", {"file_id": str(file_id)})
    ).status_code == 303

    await add_user(client, "sec", AdminRole.SECRETARY, units.groups[0])
    secretary = second_browser(client)
    assert (await sign_in(secretary, "sec")).status_code == 303
    listing = await secretary.get("/admin/admission/courses")
    assert listing.status_code == 200 and "二组培训班" not in listing.text
    page = await secretary.get(course_url)
    assert page.status_code == 404 and "不在您负责的组织范围内" in page.text
    for action, data in (
        (
            "sessions",
            {"title": "x", "day": "2026-11-03", "starts": "09:00", "ends": "12:00", "hours": "4"},
        ),
        ("enrol", {"file_id": str(file_id)}),
        (f"enrolments/{file_id}/remove", {}),
        (f"enrolments/{file_id}/record-training", {}),
    ):
        response = await post_form(secretary, f"{course_url}/{action}", data)
        assert response.status_code == 404, action
    # The secretary's own form offers only their units: another unit's is refused.
    refused = await post_form(secretary, "/admin/admission/courses/new", form)
    assert refused.status_code == 400 and "请从列表中选择单位" in refused.text
    async with client.sessions() as session:
        found = await dossiers.load(session, file_id=file_id)
        assert found is not None and found.course_ids
    assert await count_rows(client, CourseSession) == 0


async def _invited(client: AppClient, meeting_id: int) -> dict[int, bool]:
    """The meeting's invitees: person id → checked in."""
    async with client.sessions() as session:
        rows = await invitees.rows(session, meeting_id=meeting_id)
    return {row.person_id: row.checked_in_at is not None for row in rows}


async def test_enrolling_invites_to_the_sessions_and_leaving_keeps_the_check_ins(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    """Sessions planned before anyone enrolled invite the candidate once enrolled; taking them
    out takes them off what is still to come, while their check-in stays and counts again."""
    clock.set(china(2026, 11, 2, 8))
    units = await default_units(client)
    mine = units.groups[0]
    contact = await add_person(client, "F001", "联系人甲", mine, stage="full")
    (ann,) = await add_party_members(
        client, 1, unit_id=mine, prefix="c", stage=PoliticalStage.MASSES
    )
    file_id = await _take_to(client, ann.person_id, contact, "candidate")
    await admin_console(client)
    form = {"title": "第三期培训班", "org_unit_id": str(mine), "required_hours": "24"}
    course_url = (await post_form(client, "/admin/admission/courses/new", form)).headers["location"]
    for day in ("2026-11-03", "2026-11-05"):
        session_form = {
            "title": "党章学习",
            "day": day,
            "starts": "09:00",
            "ends": "17:00",
            "hours": "8",
        }
        assert (await post_form(client, f"{course_url}/sessions", session_form)).status_code == 303
    page = (await client.get(course_url)).text
    first, second = (
        int(m) for m in re.findall(r'data-testid="session-row" data-meeting="(\d+)"', page)
    )
    assert await _invited(client, first) == {} == await _invited(client, second)
    assert (await client.get(f"/admin/meetings/{first}")).status_code == 200

    await post_form(client, f"{course_url}/enrol", {"file_id": str(file_id)})
    assert await _invited(client, first) == {ann.person_id: False}
    assert await _invited(client, second) == {ann.person_id: False}
    clock.set(china(2026, 11, 3, 8, 45))
    assert (await chat.click(ann.openid, "STUDY_CHECKIN")).startswith("签到成功！")
    await post_form(client, f"{course_url}/enrolments/{file_id}/record-training", {})
    page = (await client.get(course_url)).text
    assert (
        f"{ann.name}：不能记录集中培训。培训班的最后一次课在 2026-11-05，结束后才能记录集中培训。"
        in flashes(page)
    )
    assert "8 / 24" in row_of(page, file_id)

    removed = await post_form(client, f"{course_url}/enrolments/{file_id}/remove", {})
    assert removed.status_code == 303
    page = (await client.get(course_url)).text
    assert f"已将 {ann.name} 移出培训班「第三期培训班」。" in flashes(page)
    assert f'data-file="{file_id}"' not in page
    assert await _invited(client, first) == {ann.person_id: True}  # the record stays
    assert await _invited(client, second) == {}
    async with client.sessions() as session:
        found = await dossiers.load(session, file_id=file_id)
    assert found is not None and found.course_ids == []
    gone = await post_form(client, f"{course_url}/enrolments/{file_id}/remove", {})
    assert gone.status_code == 404

    await post_form(client, f"{course_url}/enrol", {"file_id": str(file_id)})
    page = (await client.get(course_url)).text
    assert "8 / 24" in row_of(page, file_id)
    assert await _invited(client, second) == {ann.person_id: False}
