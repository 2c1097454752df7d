"""A photo or document a member sent or uploaded, as the console and the member pages serve it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response

from app.models import Attachment

_PRIVATE = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}


def _not_found(text: str) -> Response:
    return Response(text, status_code=404, media_type="text/plain; charset=utf-8")


def _wechat_link(url: str | None, missing: str) -> Response:
    """WeChat's own link to a chat photo until our copy is kept."""
    if url and url.startswith(("https://", "http://")):
        return RedirectResponse(url, status_code=302)
    return _not_found(missing)


def attachment_response(attachment: Attachment | None) -> Response:
    """An attachment found by its owner's page (after that page checked who may see it):
    its bytes, WeChat's link while a chat photo is not kept yet, or 404.

    Images show inline; documents download under their own name."""
    if attachment is None:
        return _not_found("没有这个附件")
    if attachment.content is None:
        return _wechat_link(attachment.url, "这张照片未能保存")
    kind = attachment.content_type or "application/octet-stream"
    headers = dict(_PRIVATE)
    if not kind.startswith("image/"):
        name = quote(attachment.filename or f"附件{attachment.id}")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return Response(attachment.content, media_type=kind, headers=headers)
