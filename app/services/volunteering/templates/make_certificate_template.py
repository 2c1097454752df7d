"""Build certificate.docx, the Word template of the yearly 志愿服务证明 (run it after a change).

    .venv/bin/python app/services/volunteering/templates/make_certificate_template.py

Each Jinja placeholder sits in a run of its own, so docxtpl finds it whole; the activities are
a table with one row per activity (a `{%tr for %}` loop).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
FONT = "仿宋"
TITLE_FONT = "宋体"


def _font(run: Run, name: str, size: int, *, bold: bool = False) -> None:
    """Set a run's font, East Asian glyphs included."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _line(
    document: DocumentType,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
) -> None:
    """One paragraph of body text."""
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    paragraph.paragraph_format.line_spacing = Pt(28)
    _font(paragraph.add_run(text), FONT, 16)


def build(target: Path = HERE / "certificate.docx") -> Path:
    """Write the template; the path written."""
    document = Document()
    for section in document.sections:
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    _font(title.add_run("{{ title }}"), TITLE_FONT, 22, bold=True)

    _line(document, "{{ body }}", indent=True)

    table = document.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    for cell, name in zip(
        table.rows[0].cells, ("日期", "活动", "队伍", "时长（小时）"), strict=True
    ):
        _font(cell.paragraphs[0].add_run(name), FONT, 12, bold=True)
    loop = table.rows[1].cells
    _font(loop[0].paragraphs[0].add_run("{%tr for row in rows %}"), FONT, 12)
    values = ("{{ row.day }}", "{{ row.title }}", "{{ row.team }}", "{{ row.hours }}")
    for cell, value in zip(table.rows[2].cells, values, strict=True):
        _font(cell.paragraphs[0].add_run(value), FONT, 12)
    end = table.add_row().cells
    _font(end[0].paragraphs[0].add_run("{%tr endfor %}"), FONT, 12)

    _line(document, "特此证明。", indent=True)
    for placeholder in ("{{ signature }}", "{{ dated }}"):
        _line(document, placeholder, align=WD_ALIGN_PARAGRAPH.RIGHT)

    document.save(str(target))
    return target


if __name__ == "__main__":
    print(build())
