"""岗位建功 records: record and edit them (with evidence), verify or reject them once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contribution, ContributionKind, ContributionStatus, Person
from app.models.types import CHINA, label_of
from app.services import attachments, audit
from app.services.attachments import AttachmentRefused

TARGET = "contribution"
OWNER = "contribution"  # the attachments' owner_kind
TITLE_MAX = 100
DESCRIPTION_MAX = 2000
CO_MAX = 200
NOTE_MAX = 500
EARLIEST_YEAR = 2000  # an older date is a typo in the year
BENEFIT_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_FILES = attachments.MAX_PER_OWNER
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


class ContributionInvalid(ValueError):
    """A contribution the service refuses: the Chinese message of each bad field, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        """Keep the messages by field."""
        super().__init__("；".join(errors.values()))
        self.errors = errors


class AlreadyDecided(ValueError):
    """Someone verified or rejected it first (or it is no longer waiting), said in Chinese."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What is filled in for a contribution (dates already parsed by the form)."""

    person_id: int | None
    kind: str
    title: str
    description: str
    done_on: date | None
    ended_on: date | None = None
    benefit: str = ""  # as typed: 元, two decimals at most
    co_contributors: str = ""


@dataclass(frozen=True, slots=True)
class Upload:
    """One evidence file as sent: its name and bytes."""

    filename: str
    data: bytes


def kind_label(value: str) -> str:
    """A ContributionKind value in Chinese."""
    return label_of(ContributionKind, value)


def status_label(value: str) -> str:
    """A ContributionStatus value in Chinese."""
    return label_of(ContributionStatus, value)


def kinds() -> list[tuple[str, str]]:
    """The kinds as select options."""
    return [(kind.value, kind.label) for kind in ContributionKind]


def benefit_label(value: Decimal | None) -> str:
    """ "¥12,000.00", or "" for none."""
    return "" if value is None else f"¥{value:,.2f}"


def text(value: str, *, what: str, limit: int, required: bool = True) -> tuple[str, str | None]:
    """The stripped text (line ends as \\n) and the reason it is refused, if it is."""
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        return cleaned, f"请填写{what}。" if required else None
    if "\x00" in cleaned:
        return cleaned, f"{what}中含有无法保存的空字符，请删除后重试。"
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        return cleaned, f"{what}中含有无效字符，请删除后重试。"
    if len(cleaned) > limit:
        return cleaned, f"{what}最多 {limit} 个字（现有 {len(cleaned)} 个）。"
    return cleaned, None


def parse_benefit(raw: str) -> tuple[Decimal | None, str | None]:
    """The benefit in 元 (None when blank) and the reason it is refused, if it is."""
    typed = raw.strip().replace(",", "").replace("，", "").removeprefix("¥").removesuffix("元")
    if not typed:
        return None, None
    if typed.startswith("-"):
        return None, "效益金额不能为负数。"
    if not _AMOUNT.fullmatch(typed):
        return None, "效益金额请填写数字（元，最多两位小数），例如 12000 或 3500.50。"
    try:
        amount = Decimal(typed)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None, "效益金额请填写数字。"
    if amount > BENEFIT_MAX:
        return None, "效益金额过大，请检查。"
    return amount, None


def _dates(draft: Draft, today: date, errors: dict[str, str]) -> None:
    """The date problems: no future day, no typo of a year, a period that ends after it starts."""
    if draft.done_on is None:
        errors["done_on"] = "请填写日期。"
    elif draft.done_on > today:
        errors["done_on"] = f"日期不能晚于今天（{today.isoformat()}）。"
    elif draft.done_on.year < EARLIEST_YEAR:
        errors["done_on"] = "日期过早，请检查年份。"
    if draft.ended_on is not None and draft.done_on is not None:
        if draft.ended_on < draft.done_on:
            errors["ended_on"] = "结束日期不能早于开始日期。"
        elif draft.ended_on > today:
            errors["ended_on"] = f"结束日期不能晚于今天（{today.isoformat()}）。"


def check(draft: Draft, *, now: datetime) -> tuple[dict[str, str], dict[str, Any]]:
    """The problems by field, and the values to store when there are none (the person aside)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if draft.kind not in {kind.value for kind in ContributionKind}:
        errors["kind"] = "请从列表中选择类别。"
    values["kind"] = draft.kind
    for field, what, limit, required in (
        ("title", "标题", TITLE_MAX, True),
        ("description", "事迹说明", DESCRIPTION_MAX, True),
        ("co_contributors", "共同完成人", CO_MAX, False),
    ):
        values[field], problem = text(
            getattr(draft, field), what=what, limit=limit, required=required
        )
        if problem:
            errors[field] = problem
    values["benefit"], problem = parse_benefit(draft.benefit)
    if problem:
        errors["benefit"] = problem
    _dates(draft, now.astimezone(CHINA).date(), errors)
    values["done_on"], values["ended_on"] = draft.done_on, draft.ended_on
    return errors, values


def check_files(uploads: Sequence[Upload], *, already: int = 0) -> None:
    """Every file acceptable and room for them all; AttachmentRefused naming the file otherwise."""
    if already + len(uploads) > MAX_FILES:
        raise AttachmentRefused(f"证明材料最多 {MAX_FILES} 个，请减少后重新上传。")
    for upload in uploads:
        try:
            attachments.check(upload.data, filename=upload.filename, documents=True)
        except AttachmentRefused as refused:
            raise AttachmentRefused(f"「{upload.filename or '文件'}」：{refused}") from None


async def add_evidence(
    session: AsyncSession, *, contribution: Contribution, uploads: Sequence[Upload], now: datetime
) -> int:
    """Store the files as the contribution's evidence (all checked first); how many were kept."""
    assert contribution.id is not None
    already = await attachments.count(session, owner_kind=OWNER, owner_id=contribution.id)
    check_files(uploads, already=already)
    for upload in uploads:
        await attachments.upload(
            session,
            owner_kind=OWNER,
            owner_id=contribution.id,
            filename=upload.filename,
            data=upload.data,
            now=now,
            documents=True,
        )
    return len(uploads)


def _snapshot(contribution: Contribution) -> dict[str, Any] | None:
    """The contribution as the audit trail keeps it (the benefit as text: JSON has no Decimal)."""
    shot = audit.snapshot(contribution)
    if shot is not None and shot.get("benefit") is not None:
        shot["benefit"] = str(shot["benefit"])
    return shot


def describe(contribution: Contribution, person: Person) -> str:
    """ "张三（S001） · 技术攻关 · 《…》": which contribution an audit entry is about."""
    return (
        f"{person.name}（{person.employee_no}） · {kind_label(contribution.kind)} · "
        f"《{contribution.title}》"
    )


async def record(
    session: AsyncSession,
    *,
    person: Person,
    draft: Draft,
    uploads: Sequence[Upload],
    via: str,
    actor: audit.Actor,
    now: datetime,
) -> Contribution:
    """Store a new contribution, waiting for verification, with its evidence (audited)."""
    errors, values = check(draft, now=now)
    if errors:
        raise ContributionInvalid(errors)
    check_files(uploads)
    assert person.id is not None
    contribution = Contribution(
        person_id=person.id,
        co_contributors=values["co_contributors"] or None,
        kind=values["kind"],
        title=values["title"],
        description=values["description"],
        done_on=values["done_on"],
        ended_on=values["ended_on"],
        benefit=values["benefit"],
        recorded_by=actor.name[:64],
        recorded_via=via,
        created_at=now,
        updated_at=now,
    )
    session.add(contribution)
    await session.flush()
    await add_evidence(session, contribution=contribution, uploads=uploads, now=now)
    await audit.record(
        session,
        actor=actor,
        action="contribution.create",
        target_type=TARGET,
        target_id=contribution.id,
        after=_snapshot(contribution),
        summary=describe(contribution, person)
        + (f"（证明材料 {len(uploads)} 个）" if uploads else ""),
    )
    return contribution


async def edit(
    session: AsyncSession,
    *,
    contribution: Contribution,
    person: Person,
    draft: Draft,
    uploads: Sequence[Upload],
    actor: audit.Actor,
    now: datetime,
) -> Contribution:
    """Change a contribution still waiting (AlreadyDecided after its verification)."""
    if contribution.status != ContributionStatus.PENDING.value:
        raise AlreadyDecided("已经核实过的岗位建功不能再修改。")
    errors, values = check(draft, now=now)
    if errors:
        raise ContributionInvalid(errors)
    before = _snapshot(contribution)
    contribution.kind, contribution.title = values["kind"], values["title"]
    contribution.description = values["description"]
    contribution.co_contributors = values["co_contributors"] or None
    contribution.done_on, contribution.ended_on = values["done_on"], values["ended_on"]
    contribution.benefit, contribution.updated_at = values["benefit"], now
    session.add(contribution)
    await session.flush()
    added = await add_evidence(session, contribution=contribution, uploads=uploads, now=now)
    await audit.record(
        session,
        actor=actor,
        action="contribution.update",
        target_type=TARGET,
        target_id=contribution.id,
        before=before,
        after=_snapshot(contribution),
        summary=describe(contribution, person) + (f"（新增证明材料 {added} 个）" if added else ""),
    )
    return contribution


async def decide(
    session: AsyncSession,
    *,
    contribution: Contribution,
    person: Person,
    verified: bool,
    note: str,
    actor: audit.Actor,
    now: datetime,
) -> Contribution:
    """已核实 or 未通过 (a note required), once: the second of two at once gets AlreadyDecided."""
    note_text, problem = text(note, what="核实意见", limit=NOTE_MAX, required=not verified)
    if problem:
        raise ContributionInvalid({"note": problem if verified else "不通过时请写明原因。"})
    status = ContributionStatus.VERIFIED if verified else ContributionStatus.REJECTED
    # Conditional: of two admins clicking at once, only one changes the row.
    result = await session.exec(
        update(Contribution)
        .where(
            col(Contribution.id) == contribution.id,
            col(Contribution.status) == ContributionStatus.PENDING.value,
        )
        .values(
            status=status.value,
            review_note=note_text or None,
            reviewed_by=actor.name[:64],
            reviewed_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        await session.refresh(contribution)
        when = contribution.reviewed_at
        moment = f"于 {when.astimezone(CHINA):%Y-%m-%d %H:%M} " if when else ""
        raise AlreadyDecided(
            f"这项岗位建功已由 {contribution.reviewed_by or '他人'} {moment}"
            f"处理为「{status_label(contribution.status)}」，不能重复处理。"
        )
    await session.refresh(contribution)
    action = "contribution.verify" if verified else "contribution.reject"
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type=TARGET,
        target_id=contribution.id,
        summary=describe(contribution, person) + (f"：{note_text}" if note_text else ""),
    )
    return contribution


async def remove_evidence(
    session: AsyncSession,
    *,
    contribution: Contribution,
    person: Person,
    attachment_id: int,
    actor: audit.Actor,
) -> str | None:
    """Delete one evidence file while the contribution waits (audited); its name, or None when
    there is no such file of this contribution (AlreadyDecided once it is verified)."""
    if contribution.status != ContributionStatus.PENDING.value:
        raise AlreadyDecided("已经核实过的岗位建功不能再修改证明材料。")
    assert contribution.id is not None
    found = await attachments.get(
        session, attachment_id=attachment_id, owner_kind=OWNER, owner_id=contribution.id
    )
    if found is None:
        return None
    name = found.filename or f"附件 {attachment_id}"
    await session.delete(found)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="contribution.evidence_delete",
        target_type=TARGET,
        target_id=contribution.id,
        summary=f"{describe(contribution, person)}：删除证明材料「{name}」",
    )
    return name


async def get(session: AsyncSession, *, contribution_id: int) -> Contribution | None:
    """One contribution by id."""
    return await session.get(Contribution, contribution_id)
