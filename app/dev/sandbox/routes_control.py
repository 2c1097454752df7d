"""The /_sandbox control API: set the scene, act as members, read what happened (dev/tests)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from app.dev.sandbox.callbacks import ActionType, NotFollowingError, UnknownFollowerError
from app.dev.sandbox.delivery import CallbackResult
from app.dev.sandbox.faults import Faults
from app.dev.sandbox.models import Template, TemplateKind
from app.dev.sandbox.pipeline import Sandbox, sandbox_of

router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])
FAULTS = TypeAdapter(Faults)


class FollowerIn(BaseModel):
    """A follower to add."""

    openid: str | None = None
    nickname: str = ""
    subscribed: bool = True


class ActionIn(BaseModel):
    """A member action: text needs content; click needs key; view/scan/subscribe take key."""

    type: ActionType
    content: str = ""
    key: str = ""


class TemplateIn(BaseModel):
    """A template to register."""

    title: str
    keys: list[str] = Field(default_factory=lambda: ["thing1", "time2", "thing3"])
    kind: TemplateKind = "template"
    template_id: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)  # key → field name, "thing1" → "事项"


def _template_out(template: Template) -> dict[str, Any]:
    # Every key's field name, so the simulator's card never shows thing1 / time3.
    return vars(template) | {"labels": {k: template.label_of(k) for k in template.keys}}


class GrantIn(BaseModel):
    """One-time subscribe-notification grants for a member."""

    openid: str
    template_id: str
    count: int = 1


class ClockIn(BaseModel):
    """How far to move the sandbox clock."""

    offset_seconds: float


class JobFinishIn(BaseModel):
    """The Status a TEMPLATESENDJOBFINISH reports."""

    status: str = "success"


def _sandbox(request: Request) -> Sandbox:
    return sandbox_of(request)


async def _run(action: Any) -> dict[str, Any]:
    """Await a member-side call, mapping its errors to HTTP statuses."""
    try:
        result: CallbackResult = await action
    except UnknownFollowerError:
        raise HTTPException(404, "unknown openid") from None
    except NotFollowingError:
        raise HTTPException(409, "the member does not follow the account") from None
    return result.to_json()


@router.post("/reset")
async def reset(request: Request) -> dict[str, bool]:
    """Forget everything: followers, tokens, sends, faults, clock offset."""
    _sandbox(request).state.reset()
    return {"ok": True}


@router.post("/followers")
async def add_follower(body: FollowerIn, request: Request) -> dict[str, Any]:
    """Add a follower silently (no subscribe event); an openid is generated when absent."""
    state = _sandbox(request).state
    follower = state.add_follower(body.openid, nickname=body.nickname, subscribed=body.subscribed)
    return follower.to_json()


@router.get("/followers")
async def list_followers(request: Request) -> dict[str, Any]:
    """List every follower, including those who left."""
    return {"followers": [f.to_json() for f in _sandbox(request).state.followers.values()]}


@router.get("/followers/{openid}")
async def get_follower(openid: str, request: Request) -> dict[str, Any]:
    """Show one follower with its customer-service window."""
    follower = _sandbox(request).state.follower(openid)
    if follower is None:
        raise HTTPException(404, "unknown openid")
    return follower.to_json()


@router.post("/followers/{openid}/unsubscribe")
async def unsubscribe(openid: str, request: Request) -> dict[str, Any]:
    """Make a member unfollow (the backend gets the unsubscribe event)."""
    return await _run(_sandbox(request).callbacks.unsubscribe(openid))


@router.post("/followers/{openid}/send")
async def member_act(openid: str, body: ActionIn, request: Request) -> dict[str, Any]:
    """Make a member act; returns the backend's status and its decrypted reply."""
    callbacks = _sandbox(request).callbacks
    return await _run(callbacks.act(openid, body.type, content=body.content, key=body.key))


@router.get("/deliveries")
async def deliveries(request: Request, openid: str | None = None, since_id: int = 0) -> Any:
    """List messages that reached members, newer than since_id (for polling)."""
    found = _sandbox(request).state.deliveries_for(openid, since_id)
    return {
        "deliveries": [d.to_json() for d in found],
        "last_id": found[-1].id if found else since_id,
    }


@router.get("/images/{key}")
async def image(key: str, request: Request) -> Response:
    """An uploaded image, by the key in its mmbiz-style URL (the simulator shows it)."""
    content = _sandbox(request).state.images.get(key)
    if content is None:
        raise HTTPException(404, "unknown image")
    kind = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    if not content.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        kind = "application/octet-stream"
    return Response(content, media_type=kind, headers={"X-Content-Type-Options": "nosniff"})


@router.put("/media/{media_id}")
async def put_media(media_id: str, request: Request) -> dict[str, Any]:
    """Register a temporary media item a member sent: the raw body, with its content-type."""
    content_type = request.headers.get("content-type") or "application/octet-stream"
    content = await request.body()
    _sandbox(request).state.inbound_media[media_id] = (content, content_type)
    return {"media_id": media_id, "content_type": content_type, "size": len(content)}


@router.get("/faults")
async def get_faults(request: Request) -> Any:
    """Show the current fault settings."""
    return FAULTS.dump_python(_sandbox(request).state.faults, mode="json")


@router.put("/faults")
async def put_faults(body: dict[str, Any], request: Request) -> Any:
    """Replace the fault settings (omitted fields take their defaults)."""
    state = _sandbox(request).state
    try:
        state.faults = FAULTS.validate_python(body)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return FAULTS.dump_python(state.faults, mode="json")


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """Count calls by path and errcode, token fetches and deliveries."""
    return _sandbox(request).state.stats()


@router.get("/calls")
async def calls(request: Request, limit: int = 100) -> dict[str, Any]:
    """Show the most recent API calls."""
    recent = list(_sandbox(request).state.calls)[-limit:]
    return {"calls": [vars(c) for c in recent]}


@router.get("/templates")
async def list_templates(request: Request) -> dict[str, Any]:
    """List the account's templates."""
    return {"templates": [_template_out(t) for t in _sandbox(request).state.templates.values()]}


@router.post("/templates")
async def add_template(body: TemplateIn, request: Request) -> dict[str, Any]:
    """Register a template-message or subscribe-notification template."""
    state = _sandbox(request).state
    template = state.add_template(
        body.title, body.keys, kind=body.kind, template_id=body.template_id, labels=body.labels
    )
    return _template_out(template)


@router.post("/subscriptions")
async def grant(body: GrantIn, request: Request) -> dict[str, Any]:
    """Record that a member accepted one-time subscribe notifications."""
    remaining = _sandbox(request).state.grant_subscription(
        body.openid, body.template_id, body.count
    )
    return {"openid": body.openid, "template_id": body.template_id, "remaining": remaining}


@router.post("/clock")
async def clock(body: ClockIn, request: Request) -> dict[str, float]:
    """Move the sandbox clock forward by offset_seconds."""
    state = _sandbox(request).state
    now = state.advance(body.offset_seconds)
    return {"now": now, "offset_seconds": state.clock_offset}


@router.get("/menu")
async def menu(request: Request) -> dict[str, Any]:
    """Show the current custom menu (for drawing the phone), null when none."""
    return {"menu": _sandbox(request).state.menu}


@router.get("/drafts/{media_id}")
async def draft(media_id: str, request: Request) -> dict[str, Any]:
    """Show a draft's articles (for rendering an mpnews delivery)."""
    found = _sandbox(request).state.drafts.get(media_id)
    if found is None:
        raise HTTPException(404, "unknown media_id")
    return {"media_id": found.media_id, "articles": found.articles}


@router.post("/jobs/{kind}/{job_id}/finish")
async def finish_job(
    kind: Literal["template", "mass", "publish"],
    job_id: int,
    request: Request,
    body: JobFinishIn | None = None,
) -> dict[str, Any]:
    """Emit the job-finish event of a template send, mass send or publication."""
    sandbox = _sandbox(request)
    callbacks, state = sandbox.callbacks, sandbox.state
    known: dict[str, Collection[int]] = {
        "template": state.template_sends,
        "mass": state.mass_jobs,
        "publish": state.publications,
    }
    if job_id not in known[kind]:
        raise HTTPException(404, f"unknown {kind} job")
    if kind == "template":
        status = body.status if body else "success"
        return await _run(callbacks.emit_job_finish(job_id, status))
    if kind == "mass":
        return await _run(callbacks.emit_mass_job_finish(job_id))
    return await _run(callbacks.emit_publish_job_finish(job_id))
