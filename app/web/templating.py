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

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def _stage_label(value: str) -> str:

    return PoliticalStage(value).label


def _install_globals() -> None:
    """Helpers every template may use: the CSRF hidden field and Chinese labels."""

    templates.env.globals["csrf_field"] = csrf_field
    templates.env.globals["stage_label"] = _stage_label


_install_globals()
