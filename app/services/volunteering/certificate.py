"""A member's yearly 志愿服务证明 as a Word document, built off the event loop."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person
from app.models.types import china_day
from app.services import audit
from app.services.spreadsheets import off_loop
from app.services.volunteering.hours import shown
from app.services.volunteering.ledger import MemberLine, member_year

TEMPLATE = Path(__file__).resolve().parent / "templates" / "certificate.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNATURE = "神特党支部志愿服务队"


def file_name(person: Person, year: int) -> str:
    """ "张三-2026年志愿服务证明.docx"."""
    return f"{person.name}-{year}年志愿服务证明.docx"


def body(line: MemberLine, year: int) -> str:
    """The certificate's sentence: who, how many times, how many hours."""
    who = line.person.name
    if not line.services:
        return f"兹证明{who}同志{year}年度暂无经审核的志愿服务记录。"
    return (
        f"兹证明{who}同志（工号 {line.person.employee_no}）于{year}年度参加志愿服务 "
        f"{line.times} 次，经审核累计服务时长 {shown(line.half_hours)} 小时。具体如下："
    )


def _render(title: str, text: str, rows: list[dict[str, str]], dated: str) -> bytes:
    """Fill the Word template (CPU work: runs in a worker thread)."""
    document = DocxTemplate(str(TEMPLATE))
    document.render(
        {"title": title, "body": text, "rows": rows, "signature": SIGNATURE, "dated": dated},
        autoescape=True,
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def certificate(
    session: AsyncSession, *, person: Person, year: int, today: date, actor: audit.Actor
) -> bytes:
    """The .docx for the console's download (an export: audited)."""
    line = await member_year(session, person=person, year=year)
    rows = [
        {
            "day": china_day(s.on, year=False),
            "title": s.activity.title,
            "team": s.team.name,
            "hours": shown(s.half_hours),
        }
        for s in line.services
    ]
    data = await off_loop(
        _render, f"{year}年度志愿服务证明", body(line, year), rows, china_day(today)
    )
    await audit.record(
        session,
        actor=actor,
        action="volunteer.certificate",
        target_type="person",
        target_id=person.id,
        summary=f"{person.name} {year} 年志愿服务证明",
    )
    return data
