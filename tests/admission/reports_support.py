"""Shared by the 思想汇报, reminder and countdown tests: development files built through the
services as the console builds them, photos sent from a phone, notices by key."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from app.models import (
    Attachment,
    BranchRole,
    BranchRoleKind,
    Broadcast,
    BroadcastRecipient,
    Person,
    ThoughtReport,
)
from app.services import attachments, audit
from app.services.admission import dossiers, files, steps
from app.services.admission.steps import StepInput
from tests.support.app import AppClient
from tests.support.chat import Chat

REPORT_TEXT = (
    "本季度我认真学习了党的二十届三中全会精神，对照党员标准查找自身不足，"
    "在工作中主动承担急难险重任务，今后将继续加强理论学习，以实际行动争取早日加入党组织。"
)


async def open_file(client: AppClient, person_id: int, *, applied_on: date, today: date) -> int:
    """A file opened with the application (步骤 1) on `applied_on`; its id."""
    async with client.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        dossier = await files.open_file(
            session,
            person=person,
            birth_date=date(1995, 5, 1),
            applied_on=applied_on,
            note=None,
            actor=audit.SYSTEM,
            rules=steps.Rules(today=today),
        )
        await session.commit()
        return dossier.id


async def make_activist(
    client: AppClient, person_id: int, *, contacts: list[int], today: date
) -> int:
    """An 入党积极分子 of a month, with these 培养联系人; the file's id."""
    file_id = await open_file(client, person_id, applied_on=today - timedelta(days=60), today=today)
    async with client.sessions() as session:
        dossier = await dossiers.load(session, file_id=file_id)
        assert dossier is not None
        rules = steps.Rules(today=today)
        for code, days_ago, people in (
            ("talk", 50, ()),
            ("activist", 30, ()),
            ("contacts", 30, tuple(contacts)),
        ):
            data = StepInput(code=code, done_on=today - timedelta(days=days_ago), people=people)
            await steps.record(session, dossier=dossier, data=data, actor=audit.SYSTEM, rules=rules)
        await session.commit()
    return file_id


async def make_secretary(client: AppClient, person_id: int, unit_id: int) -> None:
    """The person becomes the unit's 支部书记."""
    async with client.sessions() as session:
        session.add(
            BranchRole(
                person_id=person_id, org_unit_id=unit_id, role=BranchRoleKind.SECRETARY.value
            )
        )
        await session.commit()


async def photos_of(client: AppClient, report_id: int | None) -> list[Attachment]:
    """A report's photos in the attachment store, in the order they came."""
    async with client.sessions() as session:
        owner = report_id or 0
        found = await attachments.of(session, owner_kind="thought_report", owner_ids=[owner])
        return found[owner]


async def send_photo(chat: Chat, openid: str, number: int) -> str:
    """The member sends a photo (an image message); the reply's text ("" for none)."""
    chat.sandbox.open_window(openid, "message")
    return await chat.send(
        openid,
        {
            "MsgType": "image",
            "PicUrl": f"http://mmbiz.qpic.cn/report-{number}.jpg",
            "MediaId": f"media-{number}",
        },
    )


async def reports_of(client: AppClient, file_id: int) -> list[ThoughtReport]:
    """The file's thought reports, oldest first."""
    async with client.sessions() as session:
        statement = (
            select(ThoughtReport)
            .where(ThoughtReport.file_id == file_id)
            .order_by(col(ThoughtReport.id))
        )
        return list((await session.exec(statement)).all())


async def broadcasts(client: AppClient, prefix: str) -> list[Broadcast]:
    """The notices whose key starts with `prefix`, oldest first."""
    async with client.sessions() as session:
        statement = (
            select(Broadcast)
            .where(col(Broadcast.key).startswith(prefix))
            .order_by(col(Broadcast.id))
        )
        return list((await session.exec(statement)).all())


async def recipients(client: AppClient, broadcast: Broadcast) -> set[int]:
    """Who a notice is for."""
    async with client.sessions() as session:
        statement = select(BroadcastRecipient.person_id).where(
            BroadcastRecipient.broadcast_id == broadcast.id
        )
        return {pid for pid in (await session.exec(statement)).all() if pid is not None}
