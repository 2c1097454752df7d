"""Demo 岗位建功 for `make run`: eight contributions by demo people over this year, most
verified, two waiting, one with a photo as its evidence. Run again, it adds nothing."""

from __future__ import annotations

import struct
import zlib
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import person_by_number
from app.models import Contribution, ContributionKind
from app.models.types import CHINA
from app.services import audit
from app.services.contributions import records
from app.services.contributions.records import Draft, Upload

SECRETARY = audit.Actor(id=None, name="王建国")
# (工号, days ago, kind, title, description, benefit, verified: True / False / None for waiting)
DEMO: tuple[tuple[str, int, ContributionKind, str, str, str, bool | None], ...] = (
    (
        "ST004",
        300,
        ContributionKind.PROCESS,
        "热处理工艺参数优化",
        "重新标定三号炉的保温时间和冷却速度，一次合格率由 92% 提高到 98%。",
        "86000",
        True,
    ),
    (
        "ST007",
        260,
        ContributionKind.TECHNICAL,
        "攻克轧机振动难题",
        "带领攻关小组连续三周排查，找出轴承座配合间隙问题，设备停机时间减少一半。",
        "120000",
        True,
    ),
    (
        "ST006",
        200,
        ContributionKind.SAVINGS,
        "班组余料回收再利用",
        "建立余料登记和回用制度，全年少领原材料约 4 吨。",
        "35000",
        True,
    ),
    (
        "ST015",
        150,
        ContributionKind.SAFETY,
        "安全隐患排查专项行动",
        "牵头排查车间隐患 46 处，全部整改闭环，全年零事故。",
        "",
        True,
    ),
    (
        "ST009",
        120,
        ContributionKind.PROCESS,
        "设备点检表电子化",
        "把纸质点检表改为扫码点检，点检漏项从每月十几项降到零。",
        "12000",
        True,
    ),
    (
        "ST014",
        90,
        ContributionKind.SERVICE,
        "职工书屋改造",
        "利用业余时间整理图书 800 余册，组织读书分享会 4 次。",
        "",
        True,
    ),
    (
        "ST013",
        20,
        ContributionKind.SAVINGS,
        "空压机节能改造建议落地",
        "配合设备部调整空压机加载压力，月节电约 6000 度。",
        "4200",
        None,
    ),
    (
        "ST012",
        6,
        ContributionKind.TECHNICAL,
        "新产品首件检验方法",
        "编写新产品首件检验作业指导书，附现场照片。",
        "",
        None,
    ),
)
PHOTO_OF = "ST012"


def tiny_png() -> bytes:
    """A valid 2×2 red PNG, made here (no binary file in the repository)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk: length, type, data and CRC."""
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2×2, 8-bit RGB
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def seed_contributions(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 岗位建功 unless there are some; return how many rows were created."""
    if (await session.exec(select(func.count()).select_from(Contribution))).one():
        return 0
    today = now.astimezone(CHINA).date()
    first = date(today.year, 1, 1)
    created = 0
    for number, days, kind, title, text, benefit, verified in DEMO:
        person = await person_by_number(session, number)
        if person is None:
            continue
        draft = Draft(
            person_id=person.id,
            kind=kind.value,
            title=title,
            description=text,
            done_on=max(first, today - timedelta(days=days)),
            benefit=benefit,
        )
        photos = [Upload("首件检验现场.png", tiny_png())] if number == PHOTO_OF else []
        contribution = await records.record(
            session,
            person=person,
            draft=draft,
            uploads=photos,
            via="member",
            actor=audit.Actor(id=None, name=person.name),
            now=now,
        )
        if verified is not None:
            await records.decide(
                session,
                contribution=contribution,
                person=person,
                verified=verified,
                note="经核实，情况属实。",
                actor=SECRETARY,
                now=now,
            )
        created += 1
    return created
