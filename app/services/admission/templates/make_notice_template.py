"""Build notice.docx, the Word template of a 公示 (run it again after changing the layout).

    .venv/bin/python app/services/admission/templates/make_notice_template.py

Each Jinja placeholder sits in a run of its own, so docxtpl finds it whole; the body is one
paragraph per line of the notice's text (a `{%p for %}` loop over paragraphs).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
FONT = "仿宋"  # the body of an official notice (公文): 仿宋, 三号 (16 pt)
TITLE_FONT = "宋体"


def _font(run: Run, name: str, size: int, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def build(target: Path = HERE / "notice.docx") -> Path:
    """Write the template; the path written."""
    document = Document()
    for section in document.sections:
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    _font(title.add_run("{{ title }}"), TITLE_FONT, 22, bold=True)

    document.add_paragraph("{%p for paragraph in paragraphs %}")
    body = document.add_paragraph()
    body.paragraph_format.first_line_indent = Pt(32)
    body.paragraph_format.line_spacing = Pt(28)
    _font(body.add_run("{{ paragraph }}"), FONT, 16)
    document.add_paragraph("{%p endfor %}")

    for placeholder in ("{{ signature }}", "{{ dated }}"):
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.line_spacing = Pt(28)
        _font(line.add_run(placeholder), FONT, 16)

    document.save(str(target))
    return target


if __name__ == "__main__":
    print(build())
