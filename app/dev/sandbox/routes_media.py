"""Content: permanent materials, article images, drafts, free publishing, media members sent."""

from __future__ import annotations

import mimetypes
import secrets
from typing import Any

from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from app.dev.sandbox import rules
from app.dev.sandbox.models import Draft, Material, Publication
from app.dev.sandbox.pipeline import Json, WxCall, WxError, WxRouter, get_list, get_str, ok
from app.dev.sandbox.state import SandboxState

router = WxRouter()

MATERIAL_TYPES = frozenset({"image", "voice", "video", "thumb"})
IMAGE_EXTENSIONS = frozenset({"bmp", "png", "jpeg", "jpg", "gif"})
ARTICLE_IMAGE_EXTENSIONS = frozenset({"png", "jpeg", "jpg"})  # media/uploadimg: jpg/png only


def media_id() -> str:
    """Return a media_id shaped like WeChat's permanent ones."""
    return secrets.token_urlsafe(48)


IMAGE_HOST = "https://mmbiz.qpic.cn/sandbox/"


def image_url(key: str) -> str:
    """Return an mmbiz-style URL for an uploaded image."""
    return f"{IMAGE_HOST}{key}/0?wx_fmt=png"


def keep_image(state: SandboxState, content: bytes) -> str:
    """Keep an uploaded image's bytes (served by /_sandbox/images/<key>); its mmbiz-style URL."""
    key = secrets.token_urlsafe(18)
    state.images[key] = content
    return image_url(key)


async def upload_of(call: WxCall) -> tuple[str, bytes] | None:
    """The multipart field `media` as (filename, content), read with python-multipart."""
    try:
        async with call.request.form() as form:
            upload = form.get("media")
            if not isinstance(upload, UploadFile):
                return None
            return upload.filename or "", await upload.read()
    except MultiPartException:
        return None


@router.post("/cgi-bin/material/add_material")
async def add_material(call: WxCall) -> Json:
    """Upload a permanent material (multipart field `media`)."""
    kind = call.arg("type")
    if kind not in MATERIAL_TYPES:
        raise WxError(rules.INVALID_MEDIA_TYPE)
    upload = await upload_of(call)
    if upload is None or not upload[1]:
        raise WxError(rules.MEDIA_DATA_MISSING)
    filename, content = upload
    if kind in {"image", "thumb"}:
        if filename.rsplit(".", 1)[-1].lower() not in IMAGE_EXTENSIONS:
            raise WxError(rules.UNSUPPORTED_FILE_TYPE)
        if len(content) > rules.IMAGE_MAX_BYTES:
            raise WxError(rules.INVALID_IMAGE_SIZE)
    new_id = media_id()
    url = keep_image(call.state, content) if kind in {"image", "thumb"} else ""
    call.state.materials[new_id] = Material(
        media_id=new_id,
        type=kind,
        filename=filename,
        size=len(content),
        url=url,
        created_at=call.now,
    )
    return {"media_id": new_id, "url": url} if url else {"media_id": new_id}


@router.post("/cgi-bin/media/uploadimg")
async def upload_article_image(call: WxCall) -> Json:
    """Upload an image for use inside article content; returns only its URL."""
    upload = await upload_of(call)
    if upload is None or not upload[1]:
        raise WxError(rules.MEDIA_DATA_MISSING)
    filename, content = upload
    if filename.rsplit(".", 1)[-1].lower() not in ARTICLE_IMAGE_EXTENSIONS:
        raise WxError(rules.UNSUPPORTED_FILE_TYPE)
    if len(content) > rules.ARTICLE_IMAGE_MAX_BYTES:
        raise WxError(rules.INVALID_IMAGE_SIZE)
    return {"url": keep_image(call.state, content)}


@router.get("/cgi-bin/media/get")
async def media_get(call: WxCall) -> Json | Response:
    """Download a temporary media item a member sent (registered by PUT /_sandbox/media/<id>)."""
    found = call.state.inbound_media.get(call.arg("media_id"))
    if found is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    content, content_type = found
    extension = mimetypes.guess_extension(content_type.split(";", 1)[0].strip()) or ""
    disposition = f'attachment; filename="{secrets.token_hex(8)}{extension}"'
    return Response(content, media_type=content_type, headers={"Content-disposition": disposition})


def check_article(state: SandboxState, article: Any) -> dict[str, Any]:
    """Validate one draft article against WeChat's field rules."""
    if not isinstance(article, dict):
        raise WxError(rules.DATA_FORMAT_ERROR)
    title = get_str(article, "title")
    if not title:
        raise WxError(rules.EMPTY_NEWS_DATA)
    if len(title) > rules.ARTICLE_TITLE_MAX_CHARS:
        raise WxError(rules.TITLE_SIZE_OUT_OF_LIMIT)
    if len(get_str(article, "author")) > rules.ARTICLE_AUTHOR_MAX_CHARS:
        raise WxError(rules.AUTHOR_SIZE_OUT_OF_LIMIT)
    if len(get_str(article, "digest")) > rules.ARTICLE_DIGEST_MAX_CHARS:
        raise WxError(rules.DESCRIPTION_SIZE_OUT_OF_LIMIT)
    content = get_str(article, "content")
    if not content:
        raise WxError(rules.EMPTY_CONTENT)
    if len(content) > rules.ARTICLE_CONTENT_MAX_CHARS:
        raise WxError(rules.CONTENT_SIZE_OUT_OF_LIMIT)
    thumb = state.materials.get(get_str(article, "thumb_media_id"))
    if thumb is None or thumb.type not in {"image", "thumb"}:
        raise WxError(rules.INVALID_MEDIA_ID)
    return dict(article)


@router.post("/cgi-bin/draft/add")
async def draft_add(call: WxCall) -> Json:
    """Create a draft of 1–8 articles; each needs a permanent image as thumbnail."""
    articles = get_list(call.data, "articles")
    if not articles:
        raise WxError(rules.EMPTY_NEWS_DATA)
    if len(articles) > rules.DRAFT_MAX_ARTICLES:
        raise WxError(rules.ARTICLE_SIZE_OUT_OF_LIMIT)
    checked = [check_article(call.state, article) for article in articles]
    new_id = media_id()
    call.state.drafts[new_id] = Draft(media_id=new_id, articles=checked, created_at=call.now)
    return {"media_id": new_id}


@router.post("/cgi-bin/draft/get")
async def draft_get(call: WxCall) -> Json:
    """Return a draft's articles."""
    draft = call.state.drafts.get(get_str(call.data, "media_id"))
    if draft is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    return {"news_item": draft.articles}


@router.post("/cgi-bin/draft/delete")
async def draft_delete(call: WxCall) -> Json:
    """Delete a draft."""
    if call.state.drafts.pop(get_str(call.data, "media_id"), None) is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    return ok()


@router.post("/cgi-bin/freepublish/submit")
async def freepublish_submit(call: WxCall) -> Json:
    """Publish a draft to the account's history; it notifies nobody."""
    state = call.state
    draft = state.drafts.get(get_str(call.data, "media_id"))
    if draft is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    publication = Publication(
        publish_id=state.next_job_id(),
        media_id=draft.media_id,
        article_id=secrets.token_urlsafe(32),
        msg_data_id=state.next_job_id(),
        article_urls=[
            f"https://mp.weixin.qq.com/s/{secrets.token_urlsafe(16)}" for _ in draft.articles
        ],
        status=0,
        created_at=call.now,
    )
    state.publications[publication.publish_id] = publication
    if call.config.auto_job_events:
        callbacks = call.sandbox.callbacks
        callbacks.schedule(callbacks.emit_publish_job_finish(publication.publish_id))
    # WeChat documents publish_id as a string here and as a number in the event.
    return ok(publish_id=str(publication.publish_id), msg_data_id=publication.msg_data_id)


@router.post("/cgi-bin/freepublish/get")
async def freepublish_get(call: WxCall) -> Json:
    """Return a publish job's status and article URLs."""
    publish_id = get_str(call.data, "publish_id")
    publication = call.state.publications.get(int(publish_id)) if publish_id.isdigit() else None
    if publication is None:
        raise WxError(rules.INVALID_MEDIA_ID)
    items = [{"idx": i + 1, "article_url": u} for i, u in enumerate(publication.article_urls)]
    return {
        "publish_id": publish_id,
        "publish_status": publication.status,
        "article_id": publication.article_id,
        "article_detail": {"count": len(items), "item": items},
        "fail_idx": [],
    }
