"""What the demo's seeders share: who wrote the rows, when campaigns close, file helpers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person
from app.models.types import CHINA
from app.services import audit
from app.services.admission import dossiers, steps
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules, StepInput
from app.services.people import roster as people_service
from app.services.workdays import months_after

DEMO_ACTOR = audit.Actor(id=None, name="seed-demo")


def demo_deadline(now: datetime) -> datetime:
    """Two weeks on at 18:00 China time: time to try the pledge and the test after `make run`."""
    return datetime.combine((now.astimezone(CHINA) + timedelta(days=14)).date(), time(18), CHINA)


def back(today: date, *, months: int = 0, days: int = 0) -> date:
    """A day `months` and `days` before today."""
    return months_after(today, -months) - timedelta(days=days)


async def person_by_number(session: AsyncSession, number: str) -> Person | None:
    """The roster's person with this 工号."""
    return await people_service.get_by_employee_no(session, employee_no=number)


async def has_file(session: AsyncSession, person: Person) -> bool:
    """Whether the person has a development file already (the demo makes each once)."""
    return await dossiers.for_person(session, person_id=person.id or 0) is not None


async def ids_of(session: AsyncSession, *numbers: str) -> tuple[int, ...]:
    """The ids of the people with these 工号 (those on the roster)."""
    found = [await person_by_number(session, n) for n in numbers]
    return tuple(p.id for p in found if p is not None and p.id is not None)


async def record_step(
    session: AsyncSession,
    dossier: Dossier,
    rules: Rules,
    code: str,
    day: date,
    **fields: object,
) -> None:
    """Take one step of the file on `day`, by the demo."""
    data = StepInput(code=code, done_on=day, **fields)  # type: ignore[arg-type]
    await steps.record(session, dossier=dossier, data=data, actor=DEMO_ACTOR, rules=rules)
