"""A photo a member sent in the chat, as the console and the member pages serve it."""

from __future__ import annotations

from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ThoughtReport
from app.services.admission import report_photos


async def photo_response(session: AsyncSession, report: ThoughtReport, number: int) -> Response:
    """Our stored copy; WeChat's own link until it is kept (404 when there is no such photo)."""
    stored, reference = await report_photos.photo(session, report=report, number=number)
    if stored is not None and stored.content is not None:
        headers = {"Cache-Control": "private, max-age=86400"}
        kind = stored.content_type or "image/jpeg"
        return Response(stored.content, media_type=kind, headers=headers)
    url = str((reference or {}).get("url") or "")
    if url.startswith(("https://", "http://")):
        return RedirectResponse(url, status_code=302)
    return Response("没有这张照片", status_code=404, media_type="text/plain; charset=utf-8")
