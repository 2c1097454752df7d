"""Users and tags: user/info, user/get, tags and tag membership."""

from __future__ import annotations

from typing import Any

from app.dev.sandbox import rules
from app.dev.sandbox.models import Follower, Tag
from app.dev.sandbox.pipeline import (
    Json,
    WxCall,
    WxError,
    WxRouter,
    get_dict,
    get_list,
    get_str,
    ok,
)
from app.dev.sandbox.state import SandboxState

router = WxRouter()


def user_info(follower: Follower) -> Json:
    """Render user/info; since Dec 2021 WeChat returns no nickname or avatar here."""
    if not follower.subscribed:
        return {"subscribe": 0, "openid": follower.openid}
    return {
        "subscribe": 1,
        "openid": follower.openid,
        "language": follower.language,
        "subscribe_time": follower.subscribe_time,
        "remark": follower.remark,
        "groupid": 0,
        "tagid_list": list(follower.tagids),
        "subscribe_scene": follower.subscribe_scene,
        "qr_scene": 0,
        "qr_scene_str": follower.qr_scene_str,
    }


def page(openids: list[str], next_openid: str) -> Json:
    """Return one page of openids after `next_openid`, WeChat's cursor."""
    start = 0
    if next_openid:
        try:
            start = openids.index(next_openid) + 1
        except ValueError:
            raise WxError(rules.INVALID_OPENID) from None
    chunk = openids[start : start + rules.USER_GET_PAGE_SIZE]
    result: Json = {"count": len(chunk)}
    if chunk:
        result["data"] = {"openid": chunk}
    result["next_openid"] = chunk[-1] if chunk else ""
    return result


@router.get("/cgi-bin/user/info")
async def user_info_get(call: WxCall) -> Json:
    """Return one user's info; subscribe is 0 for a user who left."""
    follower = call.state.follower(call.arg("openid"))
    if follower is None:
        raise WxError(rules.INVALID_OPENID)
    return user_info(follower)


@router.post("/cgi-bin/user/info/batchget")
async def user_info_batch(call: WxCall) -> Json:
    """Return the info of up to 100 users."""
    wanted = get_list(call.data, "user_list")
    if len(wanted) > rules.USER_BATCHGET_MAX:
        raise WxError(rules.INVALID_ARGS)
    infos = []
    for item in wanted:
        follower = call.state.follower(get_str(item, "openid") if isinstance(item, dict) else "")
        if follower is None:
            raise WxError(rules.INVALID_OPENID)
        infos.append(user_info(follower))
    return {"user_info_list": infos}


@router.get("/cgi-bin/user/get")
async def user_list(call: WxCall) -> Json:
    """List followers 10,000 at a time."""
    following = [f.openid for f in call.state.followers.values() if f.subscribed]
    return {"total": len(following), **page(following, call.arg("next_openid"))}


def require_tag(state: SandboxState, tag_id: Any, *, writable: bool = False) -> Tag:
    """Return a tag, or raise 45159 (unknown) / 45058 (a reserved tag being changed)."""
    if writable and isinstance(tag_id, int) and tag_id < rules.FIRST_TAG_ID:
        raise WxError(rules.CANNOT_MODIFY_SYS_TAG)
    tag = state.tags.get(tag_id) if isinstance(tag_id, int) else None
    if tag is None:
        raise WxError(rules.INVALID_TAG_ID)
    return tag


def check_tag_name(state: SandboxState, name: str, *, except_id: int | None = None) -> None:
    """Refuse an empty, too long (45158) or duplicate (45157) tag name."""
    if not 0 < len(name.encode()) <= rules.TAG_NAME_MAX_BYTES:
        raise WxError(rules.TAG_NAME_TOO_LONG)
    if any(t.name == name and t.id != except_id for t in state.tags.values()):
        raise WxError(rules.TAG_NAME_EXISTS)


@router.post("/cgi-bin/tags/create")
async def tag_create(call: WxCall) -> Json:
    """Create a tag (at most 100)."""
    state = call.state
    name = get_str(get_dict(call.data, "tag"), "name")
    check_tag_name(state, name)
    if len(state.tags) >= rules.TAGS_MAX:
        raise WxError(rules.TOO_MANY_TAGS)
    tag = Tag(state.next_tag_id, name)
    state.next_tag_id += 1
    state.tags[tag.id] = tag
    return {"tag": {"id": tag.id, "name": tag.name}}


@router.get("/cgi-bin/tags/get")
async def tag_list(call: WxCall) -> Json:
    """List tags with their follower counts."""
    followers = call.state.followers.values()
    return {
        "tags": [
            {"id": t.id, "name": t.name, "count": sum(1 for f in followers if t.id in f.tagids)}
            for t in call.state.tags.values()
        ]
    }


@router.post("/cgi-bin/tags/update")
async def tag_update(call: WxCall) -> Json:
    """Rename a tag."""
    body = get_dict(call.data, "tag")
    tag = require_tag(call.state, body.get("id"), writable=True)
    name = get_str(body, "name")
    check_tag_name(call.state, name, except_id=tag.id)
    tag.name = name
    return ok()


@router.post("/cgi-bin/tags/delete")
async def tag_delete(call: WxCall) -> Json:
    """Delete a tag and take it off every follower."""
    tag = require_tag(call.state, get_dict(call.data, "tag").get("id"), writable=True)
    del call.state.tags[tag.id]
    for follower in call.state.followers.values():
        if tag.id in follower.tagids:
            follower.tagids.remove(tag.id)
    return ok()


def tagging_targets(call: WxCall) -> tuple[Tag, list[Follower]]:
    """Validate a batch (un)tagging request: 1–50 known openids and a tag."""
    data = call.data
    openids = get_list(data, "openid_list")
    if not 0 < len(openids) <= rules.TAG_BATCH_MAX:
        raise WxError(rules.INVALID_OPENID_LIST_SIZE)
    tag = require_tag(call.state, data.get("tagid"))
    followers = []
    for openid in openids:
        follower = call.state.follower(str(openid))
        if follower is None:
            raise WxError(rules.INVALID_OPENID)
        followers.append(follower)
    return tag, followers


@router.post("/cgi-bin/tags/members/batchtagging")
async def batch_tagging(call: WxCall) -> Json:
    """Put a tag on up to 50 followers (each carries at most 20 tags)."""
    tag, followers = tagging_targets(call)
    for follower in followers:
        if tag.id not in follower.tagids and len(follower.tagids) >= rules.TAGS_PER_USER_MAX:
            raise WxError(rules.TOO_MANY_TAGS_ON_USER)
    for follower in followers:
        if tag.id not in follower.tagids:
            follower.tagids.append(tag.id)
    return ok()


@router.post("/cgi-bin/tags/members/batchuntagging")
async def batch_untagging(call: WxCall) -> Json:
    """Take a tag off up to 50 followers."""
    tag, followers = tagging_targets(call)
    for follower in followers:
        if tag.id in follower.tagids:
            follower.tagids.remove(tag.id)
    return ok()


@router.post("/cgi-bin/user/tag/get")
async def tag_members(call: WxCall) -> Json:
    """List the followers carrying a tag, 10,000 at a time."""
    data = call.data
    tag = require_tag(call.state, data.get("tagid"))
    members = [
        f.openid for f in call.state.followers.values() if f.subscribed and tag.id in f.tagids
    ]
    return page(members, get_str(data, "next_openid"))


@router.post("/cgi-bin/tags/getidlist")
async def tag_ids_of(call: WxCall) -> Json:
    """List the tags one follower carries."""
    follower = call.state.follower(get_str(call.data, "openid"))
    if follower is None:
        raise WxError(rules.INVALID_OPENID)
    return {"tagid_list": list(follower.tagids)}
