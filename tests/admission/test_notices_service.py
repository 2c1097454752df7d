"""公示: counted in China's working days, its text from the file, objections and findings, and
the next step held while it runs."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditLog, NoticeKind, NoticeObjection, ObjectionOutcome, PublicNotice
from app.services import audit
from app.services import workdays as workdays_service
from app.services.admission import dossiers, notice_word, notices, objections, steps
from app.services.admission.dossiers import Dossier
from app.services.admission.steps import Rules, StepInput, StepRefused
from tests.admission.notices_helpers import (
    ADMIN,
    candidate_file,
    objections_of,
    probationary_file,
    stored_candidate,
    stored_notice,
)
from tests.support.app import AppClient

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


async def _start(
    session: AsyncSession,
    dossier: Dossier,
    starts_on: date,
    *,
    kind: NoticeKind = NoticeKind.CANDIDATE,
    days: int = 5,
    today: date = date(2026, 9, 25),
) -> PublicNotice:
    return await notices.start(
        session,
        dossier=dossier,
        kind=kind,
        starts_on=starts_on,
        working_days=days,
        contact=await notice_word.default_contact(session, dossier=dossier),
        actor=ADMIN,
        workdays=await workdays_service.load(session),
        today=today,
    )


async def _object(
    session: AsyncSession, notice: PublicNotice, today: date, **fields: object
) -> NoticeObjection:
    values: dict[str, object] = {"content": "该同志曾多次迟到早退。", "named": False}
    values |= {"name": None, "contact": None} | fields
    return await objections.object(session, notice=notice, today=today, **values)  # type: ignore[arg-type]


async def test_a_notice_across_national_day_counts_working_days(db_session: AsyncSession) -> None:
    """From Wed 2026-09-30: 国庆 1–7 Oct off, the adjusted working Saturday 10 Oct counts."""
    dossier = await candidate_file(db_session)
    notice = await _start(db_session, dossier, date(2026, 9, 30))

    assert (notice.starts_on, notice.ends_on) == (date(2026, 9, 30), date(2026, 10, 12))
    assert notices.unknown_years(notice, await workdays_service.load(db_session)) == []
    assert notice.title == "关于张三同志拟发展为中共预备党员的公示"
    for shown in (
        "张三同志，研发部，1995年5月1日出生",
        "2024年1月5日递交入党申请书",
        "2024年3月1日被确定为入党积极分子",
        "2025年3月15日被确定为发展对象",
        "公示时间：2026年9月30日至2026年10月12日（5 个工作日）",
        "受理意见：支部书记李书记，党群部门",
        "神特新材党支部",
    ):
        assert shown in notice.text, shown
    [entry] = (
        await db_session.exec(select(AuditLog).where(AuditLog.action == "admission.notice"))
    ).all()
    assert entry.target_id == str(notice.id) and "张三" in (entry.summary or "")


async def test_a_notice_into_a_year_without_holidays_moves_once_they_are_entered(
    db_session: AsyncSession,
) -> None:
    """Into 2027 (no data): Mon–Fri and flagged; after 元旦 is entered, the end moves on."""
    dossier = await candidate_file(db_session, committee_on=date(2026, 12, 18))
    notice = await _start(db_session, dossier, date(2026, 12, 28), today=date(2026, 12, 20))
    calendar = await workdays_service.load(db_session)

    assert notice.ends_on == date(2027, 1, 1)  # Friday 1 January counted as a working day
    assert notices.unknown_years(notice, calendar) == [2027]
    assert notices.unknown_years_warning([2027]) == (
        "2027 年放假安排尚未公布，结束日期按周一至周五计算；公布后请在「放假安排」中录入"
    )

    days = workdays_service.parse_days(2027, "2027-01-01 休 元旦")
    await workdays_service.enter_year(db_session, year=2027, days=days, actor=ADMIN)
    calendar = await workdays_service.load(db_session)
    changed = await notices.recompute_open(
        db_session, workdays=calendar, actor=ADMIN, today=date(2026, 12, 29)
    )

    assert changed == 1
    assert notice.ends_on == date(2027, 1, 4)
    assert "2026年12月28日至2027年1月4日" in notice.text
    assert notices.unknown_years(notice, calendar) == []
    # Counted again, nothing more moves.
    assert await notices.recompute_open(db_session, workdays=calendar, actor=ADMIN) == 0


async def test_starting_is_refused_with_the_reason(db_session: AsyncSession) -> None:
    dossier = await candidate_file(db_session)
    refusals = (
        (NoticeKind.CONVERSION, date(2026, 9, 30), 5, "请先完成第 22 步「提出转正申请」"),
        (NoticeKind.CANDIDATE, date(2026, 9, 24), 5, "不能早于今天"),
        (NoticeKind.CANDIDATE, date(2026, 9, 30), 0, "1–30 个工作日"),
        (NoticeKind.CANDIDATE, date(2026, 9, 30), 31, "1–30 个工作日"),
    )
    for kind, starts_on, days, reason in refusals:
        with pytest.raises(StepRefused, match=reason):
            await _start(db_session, dossier, starts_on, kind=kind, days=days)
    await _start(db_session, dossier, date(2026, 9, 30))
    with pytest.raises(StepRefused, match="不能重复公示"):
        await _start(db_session, dossier, date(2026, 10, 20))


async def test_a_conversion_notice_gives_the_probation(db_session: AsyncSession) -> None:
    dossier = await probationary_file(db_session)
    notice = await _start(
        db_session, dossier, date(2026, 6, 1), kind=NoticeKind.CONVERSION, today=date(2026, 5, 25)
    )
    assert notice.title == "关于王五同志拟转为中共正式党员的公示"
    assert "预备期自2025年6月1日至2026年6月1日" in notice.text
    assert "2026年5月20日提出转正申请" in notice.text


async def test_objections_only_during_the_period(db_session: AsyncSession) -> None:
    notice = await _start(db_session, await candidate_file(db_session), date(2026, 9, 30))

    with pytest.raises(StepRefused, match="公示尚未开始"):
        await _object(db_session, notice, date(2026, 9, 29))
    with pytest.raises(StepRefused, match=r"^公示期已结束，不再受理意见$"):
        await _object(db_session, notice, date(2026, 10, 13))
    with pytest.raises(StepRefused, match="请填写"):
        await _object(db_session, notice, date(2026, 10, 12), content="  \n ")
    with pytest.raises(StepRefused, match="最多 2000 字"):
        await _object(db_session, notice, date(2026, 10, 12), content="字" * 2001)
    with pytest.raises(StepRefused, match="请填写您的姓名"):
        await _object(db_session, notice, date(2026, 10, 12), named=True, name=" ")
    assert await objections.objections(db_session, notice=notice) == []

    last_day = await _object(db_session, notice, date(2026, 10, 12), content="字" * 2000)
    assert last_day.received_on == date(2026, 10, 12)


async def test_an_anonymous_objection_keeps_nothing_about_who_sent_it(
    db_session: AsyncSession,
) -> None:
    notice = await _start(db_session, await candidate_file(db_session), date(2026, 9, 30))
    before = (await db_session.exec(select(AuditLog.id))).all()

    row = await _object(
        db_session, notice, date(2026, 10, 8), named=False, name="赵六", contact="13800000000"
    )

    stored = row.model_dump()
    assert stored["named"] is False
    assert stored["objector_name"] is None and stored["objector_contact"] is None
    # The row has no column that could name anyone: only the day and the text.
    assert set(stored) == {
        "id",
        "notice_id",
        "received_on",
        "content",
        "named",
        "objector_name",
        "objector_contact",
        "finding",
        "outcome",
        "checked_by",
        "checked_at",
    }
    new = (await db_session.exec(select(AuditLog).where(col(AuditLog.id).notin_(before)))).all()
    assert [e.action for e in new] == ["admission.objection"]
    [entry] = new
    assert (entry.actor_id, entry.actor_name, entry.ip, entry.request_id) == (
        None,
        "匿名意见",
        None,
        None,
    )
    logged = " ".join(str(v) for v in entry.model_dump().values())
    assert "赵六" not in logged and "13800000000" not in logged and "迟到" not in logged


async def test_a_named_objection_keeps_the_name(db_session: AsyncSession) -> None:
    notice = await _start(db_session, await candidate_file(db_session), date(2026, 9, 30))
    row = await _object(
        db_session, notice, date(2026, 10, 8), named=True, name=" 赵六 ", contact="13800000000"
    )
    assert (row.named, row.objector_name, row.objector_contact) == (True, "赵六", "13800000000")


async def _pre_review(session: AsyncSession, dossier: Dossier, today: date) -> None:
    fresh = await dossiers.load(session, file_id=dossier.id)
    assert fresh is not None
    await steps.record(
        session,
        dossier=fresh,
        data=StepInput(code="pre_review", done_on=today),
        actor=ADMIN,
        rules=Rules(today=today),
    )


async def test_the_next_step_waits_for_the_notice_and_its_objections(
    db_session: AsyncSession,
) -> None:
    dossier = await candidate_file(db_session)
    notice = await _start(db_session, dossier, date(2026, 9, 30))

    with pytest.raises(StepRefused, match="尚未结束"):
        await _pre_review(db_session, dossier, date(2026, 10, 9))
    objection = await _object(db_session, notice, date(2026, 10, 9))
    with pytest.raises(StepRefused, match="尚未核实完毕"):
        await _pre_review(db_session, dossier, date(2026, 10, 14))

    with pytest.raises(StepRefused, match="请填写核实情况"):
        await objections.check(
            db_session,
            objection=objection,
            outcome=ObjectionOutcome.DISMISSED,
            finding=" ",
            actor=ADMIN,
            now=NOW,
        )
    await objections.check(
        db_session,
        objection=objection,
        outcome=ObjectionOutcome.DISMISSED,
        finding="经向所在部门核实，考勤记录正常，反映不实。",
        actor=ADMIN,
        now=NOW,
    )
    with pytest.raises(StepRefused, match="不能重复核实"):
        await objections.check(
            db_session,
            objection=objection,
            outcome=ObjectionOutcome.UPHELD,
            finding="再次核实",
            actor=ADMIN,
            now=NOW,
        )
    await _pre_review(db_session, dossier, date(2026, 10, 14))
    fresh = await dossiers.load(db_session, file_id=dossier.id)
    assert fresh is not None and fresh.done_on("pre_review") == date(2026, 10, 14)


async def test_an_upheld_objection_stops_the_procedure(db_session: AsyncSession) -> None:
    dossier = await candidate_file(db_session)
    notice = await _start(db_session, dossier, date(2026, 9, 30))
    objection = await _object(db_session, notice, date(2026, 10, 9))
    await objections.check(
        db_session,
        objection=objection,
        outcome=ObjectionOutcome.UPHELD,
        finding="经核实，反映的情况属实。",
        actor=ADMIN,
        now=NOW,
    )
    with pytest.raises(StepRefused, match="属实"):
        await _pre_review(db_session, dossier, date(2026, 10, 14))


async def test_the_word_document_opens_with_the_name_and_period(db_session: AsyncSession) -> None:
    notice = await _start(db_session, await candidate_file(db_session), date(2026, 9, 30))
    data = await notice_word.word(notice)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "关于张三同志拟发展为中共预备党员的公示"
    assert "张三同志" in text and "2026年9月30日至2026年10月12日" in text
    assert "{{" not in text and "{%" not in text


async def test_two_admins_checking_one_objection_at_once_record_one_finding(
    client: AppClient,
) -> None:
    file_id = await stored_candidate(client)
    notice_id = await stored_notice(client, file_id, date(2026, 9, 30), date(2026, 9, 25))
    async with client.sessions() as session:
        notice = await notices.get(session, notice_id=notice_id)
        assert notice is not None
        await _object(session, notice, date(2026, 10, 9))
        await session.commit()
    [stored] = await objections_of(client, notice_id)

    async with client.sessions() as first, client.sessions() as second:
        mine = await objections.get_objection(first, objection_id=stored.id or 0)
        theirs = await objections.get_objection(second, objection_id=stored.id or 0)
        assert mine is not None and theirs is not None  # both read it unchecked
        await objections.check(
            first,
            objection=mine,
            outcome=ObjectionOutcome.DISMISSED,
            finding="反映不实。",
            actor=audit.Actor(id=1, name="甲"),
            now=NOW,
        )
        await first.commit()
        with pytest.raises(StepRefused, match="已由 甲 核实（反映不实），不能重复核实"):
            await objections.check(
                second,
                objection=theirs,
                outcome=ObjectionOutcome.UPHELD,
                finding="属实。",
                actor=audit.Actor(id=2, name="乙"),
                now=NOW,
            )
    [final] = await objections_of(client, notice_id)
    assert (final.outcome, final.finding, final.checked_by) == ("dismissed", "反映不实。", "甲")
