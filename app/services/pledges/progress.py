"""A campaign's progress for the console: who signed, who has not (and what reached them), voided.

How it counts: `total` is everyone the campaign asks today (its audience on today's roster)
plus anyone whose standing signature is on record but who has left the audience since (moved
unit, left the roster, taken off a named list): their signature was valid when given, so it
still counts, and it counts in the total too, so `signed` never exceeds `total`. `signed` is the
number of standing (not voided) signatures. A person whose signature was voided and who is
still asked counts as unsigned again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Broadcast,
    BroadcastRecipient,
    Person,
    PledgeCampaign,
    PledgeSignature,
    RecipientStatus,
    SignatureChannel,
)
from app.models.types import label_of
from app.services.people import org_units
from app.services.pledges import campaigns
from app.services.pledges.signing import SUBJECT

PROMPT, REMINDER, DEADLINE = "pledge_prompt", "pledge_reminder", "pledge_deadline"
BROADCAST_KINDS = {PROMPT: "签署通知", REMINDER: "签署提醒", DEADLINE: "截止通知（发给书记）"}


@dataclass(frozen=True)
class Who:
    """A person as the lists name them."""

    person_id: int
    name: str
    employee_no: str
    unit: str
    unit_id: int | None


@dataclass(frozen=True)
class SignedLine:
    """A standing signature: who, which version, how and when."""

    who: Who
    signature_id: int
    version_number: int
    channel: str  # in Chinese
    signed_at: datetime
    older: bool  # signed a version before the current one (it stays valid)
    still_asked: bool  # False: has left the audience since (the signature still counts)


@dataclass(frozen=True)
class UnsignedLine:
    """Someone asked who has not signed: whether the prompt reached them, and their reminders."""

    who: Who
    prompt_reached: bool
    prompt_note: str  # "已送达", or why not (the row's status and reason)
    reminders: int  # reminders that reached them (rows sent)
    last_reminded_at: datetime | None
    voided: bool  # an earlier signature of theirs was voided


@dataclass(frozen=True)
class VoidedLine:
    """A voided signature: what was signed, and who voided it, when and why."""

    who: Who
    signature_id: int
    version_number: int
    channel: str
    signed_at: datetime
    voided_at: datetime
    voided_by: str
    reason: str


@dataclass(frozen=True)
class Progress:
    """The figures (everyone) and the lists (only people within the user's units)."""

    signed: int
    total: int
    signed_lines: list[SignedLine]
    unsigned_lines: list[UnsignedLine]
    voided_lines: list[VoidedLine]
    by_version: dict[int, int]  # standing signatures per version number
    unnamed: int  # people counted but not listed (outside the user's units)
    accepting: bool  # open and before the deadline

    @property
    def unsigned(self) -> int:
        """How many asked people have no standing signature."""
        return self.total - self.signed

    @property
    def percent(self) -> int:
        """Signed as a whole percentage (0 when nobody is asked)."""
        return self.signed * 100 // self.total if self.total else 0


def channel_label(value: str) -> str:
    """A signature channel in Chinese (an unknown value as stored)."""
    return label_of(SignatureChannel, value)


async def _signatures(session: AsyncSession, campaign_id: int) -> list[PledgeSignature]:
    """Every signature of the campaign, standing and voided, in the order given."""
    statement = (
        select(PledgeSignature)
        .where(PledgeSignature.campaign_id == campaign_id)
        .order_by(col(PledgeSignature.signed_at), col(PledgeSignature.id))
    )
    return list((await session.exec(statement)).all())


async def counts(session: AsyncSession, *, campaign: PledgeCampaign) -> tuple[int, int]:
    """Signed and total, counted as the module docstring says (for the list of campaigns)."""
    wanted = set(await campaigns.signers_wanted(session, campaign=campaign))
    statement = select(PledgeSignature.person_id).where(
        PledgeSignature.campaign_id == campaign.id, col(PledgeSignature.voided_at).is_(None)
    )
    standing = set((await session.exec(statement)).all())
    return len(standing), len(wanted | standing)


async def broadcasts(session: AsyncSession, *, campaign_id: int) -> list[Broadcast]:
    """The campaign's prompt, reminders and deadline notice, oldest first."""
    statement = (
        select(Broadcast)
        .where(Broadcast.subject_type == SUBJECT, Broadcast.subject_id == campaign_id)
        .order_by(col(Broadcast.created_at), col(Broadcast.id))
    )
    return list((await session.exec(statement)).all())


@dataclass
class _Pushes:
    """What the prompt and the reminders did for one person."""

    prompt: tuple[str, str | None] | None = None  # the row's status and reason
    reminders: int = 0
    last: datetime | None = None


async def _pushes(session: AsyncSession, campaign_id: int) -> tuple[bool, dict[int, _Pushes]]:
    """Whether a prompt exists, and each person's prompt row and reminders that reached them."""
    statement = (
        select(Broadcast.kind, BroadcastRecipient)
        .join(BroadcastRecipient, col(BroadcastRecipient.broadcast_id) == col(Broadcast.id))
        .where(
            Broadcast.subject_type == SUBJECT,
            Broadcast.subject_id == campaign_id,
            col(Broadcast.kind).in_([PROMPT, REMINDER]),
        )
    )
    found: dict[int, _Pushes] = {}
    for kind, row in (await session.exec(statement)).all():
        pushes = found.setdefault(row.person_id, _Pushes())
        if kind == PROMPT:
            pushes.prompt = (row.status, row.reason)
        elif row.status == RecipientStatus.SENT.value:
            pushes.reminders += 1
            if row.sent_at is not None and (pushes.last is None or row.sent_at > pushes.last):
                pushes.last = row.sent_at
    prompted = (
        await session.exec(
            select(Broadcast.id).where(
                Broadcast.subject_type == SUBJECT,
                Broadcast.subject_id == campaign_id,
                Broadcast.kind == PROMPT,
            )
        )
    ).first()
    return prompted is not None, found


def _prompt_note(published: bool, row: tuple[str, str | None] | None) -> tuple[bool, str]:
    """Whether the prompt reached the person, and the words for it (why not, when not)."""
    if not published:
        return False, "尚未发布"
    if row is None:
        return False, "发布后才列入签署范围，未收到签署通知"
    status, reason = row
    if status == RecipientStatus.SENT.value:
        return True, "已送达"
    label = label_of(RecipientStatus, status)
    return False, f"{label}：{reason}" if reason else label


async def _people(session: AsyncSession, ids: Iterable[int]) -> dict[int, Who]:
    """The people by id, named with their unit's full path."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    names = await org_units.path_names(session)
    rows = (await session.exec(select(Person).where(col(Person.id).in_(wanted)))).all()
    return {
        p.id: Who(p.id, p.name, p.employee_no, names.get(p.org_unit_id or 0, ""), p.org_unit_id)
        for p in rows
        if p.id is not None
    }


async def progress(
    session: AsyncSession,
    *,
    campaign: PledgeCampaign,
    now: datetime,
    unit_ids: frozenset[int] | None = None,
) -> Progress:
    """Signed / total (see the module docstring), and who signed, who has not, what was voided.

    The figures cover everyone; the lists name only people within `unit_ids` (None: all).
    """
    assert campaign.id is not None
    wanted = await campaigns.signers_wanted(session, campaign=campaign)
    asked = set(wanted)
    signatures = await _signatures(session, campaign.id)
    standing = {s.person_id: s for s in signatures if s.voided_at is None}
    voided = [s for s in signatures if s.voided_at is not None]
    published, pushes = await _pushes(session, campaign.id)
    people = await _people(session, [*asked, *(s.person_id for s in signatures)])
    visible = {pid for pid, who in people.items() if unit_ids is None or who.unit_id in unit_ids}

    signed_lines = [
        SignedLine(
            who=people[s.person_id],
            signature_id=_id(s),
            version_number=s.version_number,
            channel=channel_label(s.channel),
            signed_at=s.signed_at,
            older=s.version_number < campaign.current_version,
            still_asked=s.person_id in asked,
        )
        for s in standing.values()
        if s.person_id in visible
    ]
    voided_ids = {s.person_id for s in voided}
    unsigned_lines = []
    for person_id in wanted:
        if person_id in standing or person_id not in visible:
            continue
        mine = pushes.get(person_id, _Pushes())
        reached, note = _prompt_note(published, mine.prompt)
        unsigned_lines.append(
            UnsignedLine(
                people[person_id], reached, note, mine.reminders, mine.last, person_id in voided_ids
            )
        )
    unsigned_lines.sort(key=lambda line: line.who.employee_no)
    voided_lines = [
        VoidedLine(
            who=people[s.person_id],
            signature_id=_id(s),
            version_number=s.version_number,
            channel=channel_label(s.channel),
            signed_at=s.signed_at,
            voided_at=s.voided_at,
            voided_by=s.voided_by or "",
            reason=s.void_reason or "",
        )
        for s in sorted(voided, key=lambda s: s.voided_at or s.signed_at, reverse=True)
        if s.voided_at is not None and s.person_id in visible
    ]
    by_version: dict[int, int] = {}
    for s in standing.values():
        by_version[s.version_number] = by_version.get(s.version_number, 0) + 1
    everyone = asked | standing.keys()
    return Progress(
        signed=len(standing),
        total=len(everyone),
        signed_lines=signed_lines,
        unsigned_lines=unsigned_lines,
        voided_lines=voided_lines,
        by_version=by_version,
        unnamed=len(everyone - visible),
        accepting=campaigns.accepts_signatures(campaign, now),
    )


def _id(signature: PledgeSignature) -> int:
    """A stored signature's id."""
    assert signature.id is not None
    return signature.id
