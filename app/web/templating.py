"""Jinja2 templates and static files shared by the web pages (/dev/, later /admin/ and /m/)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from app.models import PoliticalStage
from app.web.security import csrf_field

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
# Mounted by app.main at /static under the name "static", so templates use url_for("static").
STATIC_DIR = WEB_DIR / "static"


def _stage_label(value: str) -> str:
    return PoliticalStage(value).label


def templates_from(*directories: Path) -> Jinja2Templates:
    """Templates from these folders, with the helpers every page may use: the CSRF hidden
    field and Chinese labels."""
    found = Jinja2Templates(directory=list(directories))
    found.env.globals["csrf_field"] = csrf_field
    found.env.globals["stage_label"] = _stage_label
    return found


templates = templates_from(TEMPLATES_DIR)
