"""Demo 组织发展 from paper records: the five 预备党员 of the roster and 孙娜's archived file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR, back, has_file, person_by_number, record_step
from app.models.people import PersonUpdate
from app.services.admission import files
from app.services.admission.steps import Rules
from app.services.people import roster as people_service
from app.services.workdays import months_after

PROBATIONARY = ("ST016", "ST017", "ST018", "ST019", "ST020")
NEAR_CONVERSION = "ST019"  # 林涛: branch resolution eleven months ago


def _history_to_approval(resolved: date) -> dict[str, date]:
    """A probationary member's paper record, from application to 备案, around the resolution."""
    return {
        "apply": months_after(resolved, -30),
        "talk": months_after(resolved, -30) + timedelta(days=20),
        "activist": months_after(resolved, -26),
        "activist_filing": months_after(resolved, -26) + timedelta(days=5),
        "cultivation": months_after(resolved, -13),
        "candidate": months_after(resolved, -12),
        "candidate_filing": months_after(resolved, -12) + timedelta(days=6),
        "political_review": months_after(resolved, -3),
        "training": months_after(resolved, -2),
        "committee_review": months_after(resolved, -1),
        "pre_review": resolved - timedelta(days=18),
        "application_form": resolved - timedelta(days=12),
        "branch_resolution": resolved,
        "committee_talk": resolved + timedelta(days=15),
        "approval": resolved + timedelta(days=35),
        "approval_filing": resolved + timedelta(days=45),
    }


async def probationary(session: AsyncSession, rules: Rules) -> int:
    """The five 预备党员 from their paper records, then placed in their group and sworn in."""
    created = 0
    for number in PROBATIONARY:
        person = await person_by_number(session, number)
        if person is None or await has_file(session, person):
            continue
        resolved = person.stage_since or back(rules.today, months=6)
        if number == NEAR_CONVERSION:
            resolved = back(rules.today, months=11)
        dates: Mapping[str, date] = {
            code: min(day, rules.today) for code, day in _history_to_approval(resolved).items()
        }
        dossier = await files.enter_history(
            session, person=person, birth_date=None, dates=dates, actor=DEMO_ACTOR, rules=rules
        )
        approved = dates["approval"]
        await record_step(
            session, dossier, rules, "placement", min(approved + timedelta(days=3), rules.today)
        )
        await record_step(
            session, dossier, rules, "oath", min(approved + timedelta(days=7), rules.today)
        )
        ends = dossier.probation_ends_on()
        if ends is not None and person.probation_ends_on != ends:
            # The roster's own date follows the file (预备期自支部大会通过之日起一年).
            await people_service.update(
                session, person=person, data=PersonUpdate(probation_ends_on=ends), actor=DEMO_ACTOR
            )
        created += 1
    return created


FULL_MEMBER_HISTORY = {
    "apply": date(2016, 3, 1),
    "talk": date(2016, 3, 20),
    "activist": date(2016, 9, 1),
    "activist_filing": date(2016, 9, 6),
    "cultivation": date(2017, 8, 20),
    "candidate": date(2017, 9, 1),
    "candidate_filing": date(2017, 9, 6),
    "political_review": date(2018, 4, 10),
    "training": date(2018, 5, 20),
    "committee_review": date(2018, 6, 5),
    "pre_review": date(2018, 6, 15),
    "application_form": date(2018, 6, 20),
    "branch_resolution": date(2018, 7, 1),
    "committee_talk": date(2018, 7, 12),
    "approval": date(2018, 8, 1),
    "approval_filing": date(2018, 8, 10),
    "placement": date(2018, 8, 6),
    "oath": date(2018, 8, 10),
    "probation_education": date(2019, 6, 20),
    "conversion_request": date(2019, 6, 1),
    "conversion_resolution": date(2019, 7, 2),
    "conversion_approval": date(2019, 7, 20),
    "archive": date(2019, 8, 1),
}


async def full_member(session: AsyncSession, rules: Rules) -> int:
    """孙娜 (正式党员 since 2019-07-01): her complete file, archived."""
    person = await person_by_number(session, "ST012")
    if person is None or await has_file(session, person):
        return 0
    await files.enter_history(
        session,
        person=person,
        birth_date=date(1993, 10, 8),
        dates=FULL_MEMBER_HISTORY,
        actor=DEMO_ACTOR,
        rules=rules,
    )
    return 1
