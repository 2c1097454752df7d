"""The phone simulator at /dev/: chat with the account as a sandbox member (dev only)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.web.templating import TEMPLATES_DIR, templates_from

DEV_DIR = Path(__file__).resolve().parent
# The simulator's own page, styles and script; the shared ones (weui) come from /static.
templates = templates_from(DEV_DIR / "templates", TEMPLATES_DIR)
STATIC_PATH = "/dev/static"

router = APIRouter(prefix="/dev", include_in_schema=False)


def mount(app: FastAPI) -> None:
    """Serve the simulator at /dev/ with its assets at /dev/static (dev only)."""
    app.mount(STATIC_PATH, StaticFiles(directory=DEV_DIR / "static"), name="dev_static")
    app.include_router(router)


# Where app.devtools mounts the sandbox, and its control API inside it.
SANDBOX_CONTROL_PATH = "/sandbox/_sandbox"


@router.get("/", response_class=HTMLResponse)
async def simulator(request: Request) -> HTMLResponse:
    """Render the simulator page; all its actions go through the sandbox's control API."""
    root = request.scope.get("root_path", "")
    return templates.TemplateResponse(
        request,
        "simulator.html",
        {
            "account_name": request.app.title,
            "sandbox_url": f"{root}{SANDBOX_CONTROL_PATH}",
        },
    )
