"""一键工作台账: a year's records of a unit as one .xlsx, one sheet per kind of record, each
read with one query whose rows stream from the database in batches into the book, each batch
written off the event loop (spreadsheets.StreamBook)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Collection, Sequence
from contextlib import aclosing, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.people import org_units as org_unit_service
from app.services.reports import ledger_queries as queries
from app.services.reports.figures import STUDY_DAY, THREE_MEETINGS, Within, people_in
from app.services.reports.ledger_queries import Query, Units
from app.services.spreadsheets import StreamBook, off_loop

WHO = ("姓名", "工号", "所在组织")
PARTITION = 5_000  # rows per batch: one batch in memory while the one before is written


@dataclass(frozen=True)
class SheetPlan:
    """One sheet: its title, header and the query of its rows."""

    title: str
    header: Sequence[str]
    query: Callable[[Within, int, Units], Query]


def _meeting_rows(kinds: Collection[str]) -> Callable[[Within, int, Units], Query]:
    def query(people: Within, year: int, units: Units) -> Query:
        """The kinds' meetings and who came."""
        return queries.meetings(people, year, units, kinds)

    return query


def plan(*, talks: bool) -> list[SheetPlan]:
    """The ledger's sheets in order (廉政谈话 only for admins: `talks`)."""
    meeting_header = ("会议时间", "会议类别", "会议", *WHO, "出勤", "补学")
    found = [
        SheetPlan("三会一课", meeting_header, _meeting_rows(THREE_MEETINGS)),
        SheetPlan("固定学习日", meeting_header, _meeting_rows((STUDY_DAY,))),
        SheetPlan("廉洁承诺", ("承诺书", *WHO, "签署版本", "签署时间", "方式"), queries.pledges),
    ]
    if talks:
        found.append(SheetPlan("廉政谈话", ("谈话日期", *WHO, "岗位类别", "谈话人"), queries.talks))
    found += [
        SheetPlan("知识测试", ("测试", *WHO, "成绩", "是否合格", "提交时间"), queries.tests),
        SheetPlan(
            "发展党员", (*WHO, "当前阶段", "完成步骤", "完成日期", "文号"), queries.development
        ),
        SheetPlan("思想汇报", (*WHO, "季度", "提交时间", "是否已阅"), queries.thought_reports),
        SheetPlan(
            "合理化建议",
            ("编号", "提交日期", *WHO, "类别", "状态", "核定效益（元）", "金点子"),
            queries.suggestions,
        ),
        SheetPlan("志愿服务", ("活动日期", "活动", *WHO, "时长（小时）"), queries.volunteering),
        SheetPlan(
            "三亮三挂三考核", ("考核期", *WHO, "得分", "等级", "申请复核"), queries.assessments
        ),
    ]
    return found


async def _batches(
    connection: AsyncConnection, statement: Any
) -> AsyncGenerator[Sequence[Any], None]:
    """The statement's rows, PARTITION at a time. On PostgreSQL straight from asyncpg's cursor:
    SQLAlchemy's result (a tuple, then a Row, each moment converted again) cost a third more
    than asyncpg's own reading; the rows' values are the same."""
    if connection.dialect.name != "postgresql":
        result = await connection.stream(statement.execution_options(yield_per=PARTITION))
        async for batch in result.partitions():
            yield batch
        return
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    values = compiled.construct_params()
    convert = compiled._bind_processors  # what SQLAlchemy does to each parameter, as it would
    args = [
        convert[name](values[name]) if name in convert else values[name]
        for name in compiled.positiontup or ()
    ]
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    # A cursor lives in a transaction: the session's, begun by its first statement.
    scope = nullcontext() if driver.is_in_transaction() else driver.transaction()
    async with scope:
        cursor = await driver.cursor(compiled.string, *args)
        while batch := await cursor.fetch(PARTITION):
            yield batch


async def _stream_sheet(
    session: AsyncSession, book: StreamBook, sheet: SheetPlan, query: Query
) -> int:
    """One sheet, its rows read in batches and each batch written off the event loop: one batch
    in memory, never the sheet (overlapping the read with the write gained nothing measurable:
    both are Python holding the GIL)."""
    # Core, not the session's ORM result: these are plain columns, and the ORM's per-row
    # loading cost more than the database on a year's ledger.
    connection = await session.connection()
    batches = aclosing(_batches(connection, query.statement))  # the cursor closed on an error too
    with book.open(sheet.title, sheet.header, widths=18.0) as out:
        async with batches as rows:
            async for batch in rows:
                await off_loop(out.rows, batch if query.row is None else map(query.row, batch))
        return out.count


async def workbook(
    session: AsyncSession, *, year: int, unit_ids: Collection[int] | None, talks: bool
) -> tuple[bytes, int]:
    """The ledger as .xlsx and its number of rows."""
    people = people_in(unit_ids)
    names = await org_unit_service.path_names(session)
    book = StreamBook()
    total = 0
    for sheet in plan(talks=talks):
        total += await _stream_sheet(session, book, sheet, sheet.query(people, year, names))
    return await off_loop(book.to_bytes), total
