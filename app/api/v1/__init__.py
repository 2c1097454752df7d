"""The admin REST API under /api/v1: bearer tokens for automation, or the console's cookie."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Security
from fastapi.security import HTTPBearer

from app.api.deps import current_principal
from app.api.errors import error_responses
from app.api.v1.common import refuse_unstorable_text
from app.features import combined, layer_modules

# Documents the bearer scheme in OpenAPI (the "Authorize" button); checking is done below.
_bearer = HTTPBearer(
    auto_error=False, description="An API token (st_…); the console's session cookie works too"
)
# Authentication is required here, for every route at once: a route added later cannot forget
# it. Roles (Writer, AdminOnly) and scope are checked by each route.
router = APIRouter(
    prefix="/api/v1",
    dependencies=[
        Security(_bearer),
        Depends(current_principal),
        Depends(refuse_unstorable_text),
    ],
    responses=error_responses(401, 422),
)
# Each feature's resources, in app/features.py's order.
combined(*layer_modules("api.v1"), into=router)

__all__ = ["router"]
