"""组织发展 over REST: files, one file, its steps; scope and the 政审 note."""

from __future__ import annotations

from datetime import date

from app.models import Person
from app.models.people import PersonCreate
from app.services import audit
from app.services.admission import dossiers
from app.services.admission import files as file_service
from app.services.admission import steps as step_service
from app.services.people import roster as people_service
from tests.support.api import Users, assert_error
from tests.support.app import AppClient
from tests.support.chat import china
from tests.support.plugin import Clock

TODAY = date(2026, 6, 1)
NOTE = "政审结论：合格"


async def applicant(api: AppClient, employee_no: str, name: str, unit_id: int) -> Person:
    """A person with a file opened on 2026-03-02 (the talk with them now overdue)."""
    async with api.sessions() as session:
        data = PersonCreate(employee_no=employee_no, name=name, org_unit_id=unit_id)
        person = await people_service.create(session, data=data, actor=audit.SYSTEM)
        await file_service.open_file(
            session,
            person=person,
            birth_date=date(1995, 1, 1),
            applied_on=date(2026, 3, 2),
            note=None,
            actor=audit.SYSTEM,
            rules=step_service.Rules(today=TODAY),
        )
        await session.commit()
        return person


async def file_of(api: AppClient, person: Person) -> int:
    async with api.sessions() as session:
        found = await dossiers.for_person(session, person_id=person.id or 0)
        assert found is not None
        return found.id


async def test_files_are_listed_within_scope_with_their_next_step_and_deadlines(
    api: AppClient, users: Users, clock: Clock
) -> None:
    """The secretary sees their unit's file only; another unit's is 404 alike for every route."""
    clock.set(china(2026, 6, 1, 9))
    mine = await applicant(api, "A001", "张申请", users.group_id)
    theirs = await applicant(api, "A002", "李他组", users.other_group_id)
    mine_id, theirs_id = await file_of(api, mine), await file_of(api, theirs)

    listed = await api.get("/api/v1/admission/files", headers=users.secretary)
    assert listed.status_code == 200
    (only,) = listed.json()
    assert only["id"] == mine_id and only["person_name"] == "张申请"
    assert only["stage"] == "applicant" and only["status"] == "open"
    assert only["next_step_code"] == "talk" and only["next_step_title"] == "党组织派人谈话"
    (talk,) = [d for d in only["deadlines"] if d["title"] == "党组织派人谈话"]
    assert talk["due"] == "2026-04-02" and talk["days_left"] == -60 and talk["overdue"] is True
    everyone = await api.get("/api/v1/admission/files", headers=users.admin)
    assert {f["person_name"] for f in everyone.json()} == {"张申请", "李他组"}

    detail = await api.get(f"/api/v1/admission/files/{mine_id}", headers=users.secretary)
    assert detail.status_code == 200 and detail.json()["person_id"] == mine.id
    for path in (
        f"/api/v1/admission/files/{theirs_id}",
        f"/api/v1/admission/files/{theirs_id}/steps",
    ):
        assert_error(await api.get(path, headers=users.secretary), 404, "not_found")
    assert_error(
        await api.get("/api/v1/admission/files/999999", headers=users.admin), 404, "not_found"
    )
    assert (await api.get("/api/v1/admission/files")).status_code == 401


async def test_steps_come_in_order_and_the_political_review_note_is_for_admins(
    api: AppClient, users: Users, clock: Clock
) -> None:
    """25 steps with the dates of those done; 政审's note null for a secretary and a viewer."""
    clock.set(china(2026, 6, 1, 9))
    person = await applicant(api, "A001", "张申请", users.group_id)
    file_id = await file_of(api, person)
    async with api.sessions() as session:
        dossier = await dossiers.load(session, file_id=file_id)
        assert dossier is not None
        await step_service.record(
            session,
            dossier=dossier,
            data=step_service.StepInput(
                code="political_review", done_on=date(2026, 5, 10), note=NOTE, historical=True
            ),
            actor=audit.SYSTEM,
            rules=step_service.Rules(today=TODAY),
        )
        await session.commit()

    steps = (await api.get(f"/api/v1/admission/files/{file_id}/steps", headers=users.admin)).json()
    assert [s["number"] for s in steps] == list(range(1, 26))
    assert steps[0]["code"] == "apply" and steps[0]["done_on"] == "2026-03-02"
    assert steps[1]["done_on"] is None
    assert steps[9]["code"] == "political_review" and steps[9]["note"] == NOTE
    for headers in (users.secretary, users.viewer):
        response = await api.get(f"/api/v1/admission/files/{file_id}/steps", headers=headers)
        review = response.json()[9]
        assert review["done_on"] == "2026-05-10" and review["note"] is None
