"""Demo people for `make run`: 22 invented people in three Party groups, and WeChats to try.

The sandbox follows the three DEMO_MEMBERS from the start; 王建国 and 李秀英 are bound, 张伟's
WeChat is left for trying 「绑定」 yourself.
"""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR
from app.models import BranchRoleKind, OrgUnit, OrgUnitKind, PoliticalStage
from app.models.people import PersonCreate
from app.models.types import utcnow
from app.services.binding import codes as bindings
from app.services.binding import followers as follower_service
from app.services.people import org_units as org_unit_service
from app.services.people import roles as role_service
from app.services.people import roster as people_service

# Followers of the dev sandbox, so the simulator has people to be from the first minute.
DEMO_MEMBERS = (
    ("oDEMO0000000000000000000001", "王建国（演示）"),
    ("oDEMO0000000000000000000002", "李秀英（演示）"),
    ("oDEMO0000000000000000000003", "张伟（演示）"),
)
DEMO_OPENIDS = tuple(openid for openid, _ in DEMO_MEMBERS)

# (工号, 姓名, 部门, 岗位, 管理人员, 党小组, 政治面貌, 起始日期) — invented people, no real data.
DEMO_PEOPLE: tuple[tuple[str, str, str, str, bool, int, PoliticalStage, date], ...] = (
    ("ST001", "王建国", "综合办", "党支部书记", True, 1, PoliticalStage.FULL, date(2003, 7, 1)),
    ("ST002", "李秀英", "财务部", "财务经理", True, 1, PoliticalStage.FULL, date(2008, 6, 30)),
    ("ST003", "张伟", "生产部", "车间主任", True, 1, PoliticalStage.FULL, date(2011, 7, 1)),
    ("ST004", "刘洋", "技术部", "工艺工程师", False, 1, PoliticalStage.FULL, date(2014, 12, 20)),
    ("ST005", "陈静", "采购部", "采购主管", True, 1, PoliticalStage.FULL, date(2012, 5, 4)),
    ("ST006", "杨帆", "生产部", "班长", False, 2, PoliticalStage.FULL, date(2016, 7, 1)),
    ("ST007", "赵磊", "技术部", "研发工程师", False, 2, PoliticalStage.FULL, date(2017, 6, 28)),
    ("ST008", "黄丽", "综合办", "行政专员", False, 2, PoliticalStage.FULL, date(2015, 7, 1)),
    ("ST009", "周强", "生产部", "设备员", False, 2, PoliticalStage.FULL, date(2010, 9, 15)),
    ("ST010", "吴敏", "财务部", "会计", False, 2, PoliticalStage.FULL, date(2018, 7, 1)),
    ("ST011", "徐刚", "采购部", "采购员", False, 3, PoliticalStage.FULL, date(2013, 6, 30)),
    ("ST012", "孙娜", "技术部", "质检员", False, 3, PoliticalStage.FULL, date(2019, 7, 1)),
    ("ST013", "马超", "生产部", "操作工", False, 3, PoliticalStage.FULL, date(2020, 7, 1)),
    ("ST014", "朱琳", "综合办", "宣传干事", False, 3, PoliticalStage.FULL, date(2021, 6, 30)),
    ("ST015", "胡军", "生产部", "安全员", False, 3, PoliticalStage.FULL, date(2022, 7, 1)),
    ("ST016", "郭婷", "技术部", "工艺员", False, 1, PoliticalStage.PROBATIONARY, date(2026, 6, 28)),
    ("ST017", "何斌", "生产部", "操作工", False, 2, PoliticalStage.PROBATIONARY, date(2026, 6, 28)),
    ("ST018", "高燕", "财务部", "出纳", False, 3, PoliticalStage.PROBATIONARY, date(2026, 1, 10)),
    (
        "ST019",
        "林涛",
        "采购部",
        "采购员",
        False,
        2,
        PoliticalStage.PROBATIONARY,
        date(2025, 12, 26),
    ),
    ("ST020", "罗颖", "综合办", "文员", False, 3, PoliticalStage.PROBATIONARY, date(2026, 6, 28)),
    (
        "ST021",
        "梁宇",
        "技术部",
        "研发工程师",
        False,
        1,
        PoliticalStage.CANDIDATE,
        date(2026, 3, 15),
    ),
    ("ST022", "宋佳", "生产部", "操作工", False, 2, PoliticalStage.ACTIVIST, date(2025, 9, 1)),
)


# The branch committee (支委会): who its meetings invite, by 工号.
DEMO_COMMITTEE = (
    ("ST001", BranchRoleKind.SECRETARY),
    ("ST002", BranchRoleKind.DEPUTY_SECRETARY),
    ("ST003", BranchRoleKind.COMMITTEE_MEMBER),
    ("ST005", BranchRoleKind.COMMITTEE_MEMBER),
    ("ST006", BranchRoleKind.COMMITTEE_MEMBER),
)


async def committee_ids(session: AsyncSession) -> list[int]:
    """The person ids of the demo committee (those seeded)."""
    ids = []
    for number, _ in DEMO_COMMITTEE:
        person = await people_service.get_by_employee_no(session, employee_no=number)
        if person is not None and person.id is not None:
            ids.append(person.id)
    return ids


async def _committee(session: AsyncSession, branch: OrgUnit) -> None:
    """The committee's roles in the branch, for those who have none yet."""
    assert branch.id is not None
    for number, role in DEMO_COMMITTEE:
        person = await people_service.get_by_employee_no(session, employee_no=number)
        if person is None or person.id is None:
            continue
        if await role_service.roles_of(session, person_id=person.id):
            continue
        await role_service.assign_role(
            session,
            person=person,
            org_unit_id=branch.id,
            role=role,
            since=date(2024, 1, 10),
            actor=DEMO_ACTOR,
        )


async def seed_people(session: AsyncSession) -> int:
    """The tree, the people, the demo WeChats and two bindings; return the rows created."""
    branch = await org_unit_service.ensure_default_tree(session)
    groups = {
        unit.sort_order: unit
        for unit in await org_unit_service.all_units(session)
        if unit.kind == OrgUnitKind.GROUP.value
    }
    created = await _people(session, groups)
    await _committee(session, branch)
    for openid, _ in DEMO_MEMBERS:
        if await follower_service.get_by_openid(session, openid=openid) is None:
            await follower_service.record_subscribe(
                session, openid=openid, scene="demo", now=utcnow()
            )
            created += 1
    await _bind_first_two(session)
    return created


async def _people(session: AsyncSession, groups: dict[int, OrgUnit]) -> int:
    created = 0
    for number, name, dept, post, manager, group, stage, since in DEMO_PEOPLE:
        if await people_service.get_by_employee_no(session, employee_no=number) is not None:
            continue
        await people_service.create(
            session,
            data=PersonCreate(
                employee_no=number,
                name=name,
                department=dept,
                post=post,
                is_manager=manager,
                org_unit_id=groups[group].id,
                stage=stage,
                stage_since=since,
            ),
            actor=DEMO_ACTOR,
        )
        created += 1
    return created


async def _bind_first_two(session: AsyncSession) -> None:
    """王建国 and 李秀英 start bound; 张伟's WeChat is left for trying 「绑定」 yourself."""
    for openid, number in zip(DEMO_OPENIDS[:2], ("ST001", "ST002"), strict=True):
        person = await people_service.get_by_employee_no(session, employee_no=number)
        follower = await follower_service.get_by_openid(session, openid=openid)
        if person is None or follower is None or follower.person_id is not None:
            continue
        if await bindings.follower_of(session, person_id=person.id or 0) is not None:
            continue
        follower.person_id, follower.bound_at = person.id, utcnow()
        session.add(follower)
    await session.flush()
