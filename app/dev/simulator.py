"""The phone simulator at /dev/: chat with the account as a sandbox member (dev only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.templating import templates

router = APIRouter(prefix="/dev", include_in_schema=False)

# Where app.devtools mounts the sandbox, and its control API inside it.
SANDBOX_CONTROL_PATH = "/sandbox/_sandbox"


@router.get("/", response_class=HTMLResponse)
async def simulator(request: Request) -> HTMLResponse:
    """Render the simulator page; all its actions go through the sandbox's control API."""
    root = request.scope.get("root_path", "")
    return templates.TemplateResponse(
        request,
        "dev/simulator.html",
        {
            "account_name": request.app.title,
            "sandbox_url": f"{root}{SANDBOX_CONTROL_PATH}",
        },
    )
