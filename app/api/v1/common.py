"""What the /api/v1 routes share: id and paging parameters, scope checks, the clock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.errors import ApiError
from app.models import OrgUnit, Person
from app.services.accounts.admins import Principal
from app.services.people import roster as people_service

# Ids are 32-bit on PostgreSQL: a larger number is a bad request, not a database error.
INT32_MAX = 2**31 - 1

IdPath = Annotated[int, Path(ge=1, le=INT32_MAX)]
IdQuery = Annotated[int | None, Query(ge=1, le=INT32_MAX)]
Limit = Annotated[int, Query(ge=1, le=200, description="At most 200 per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def now(request: Request) -> datetime:
    """The app's clock (tests move it)."""
    moment: datetime = request.app.state.clock()
    return moment


def not_found(message: str = "没有找到该资源") -> ApiError:
    """404 alike for missing and out of scope: the API never reveals what lies outside it."""
    return ApiError(404, message)


async def person_in_scope(session: AsyncSession, principal: Principal, person_id: int) -> Person:
    """The person, if the caller may see them; otherwise 404."""
    person = await people_service.get(session, person_id=person_id)
    if person is None or not principal.sees_unit(person.org_unit_id):
        raise not_found("没有找到该人员")
    return person


def _field_error(field: str, message: str, kind: str) -> ApiError:
    return ApiError(
        422, message, details=[{"field": f"body.{field}", "message": message, "type": kind}]
    )


async def check_unit(
    session: AsyncSession, principal: Principal, unit_id: int | None, *, field: str
) -> None:
    """Refuse (422) a unit that does not exist or lies outside the caller's scope."""
    if unit_id is None:
        if principal.unit_ids is not None:
            # A person without a unit would vanish from the secretary's own view at once.
            raise _field_error(field, "请选择您负责范围内的组织单位", "unit_required")
        return
    if not 1 <= unit_id <= INT32_MAX or await session.get(OrgUnit, unit_id) is None:
        raise _field_error(field, "组织单位不存在", "unit_missing")
    if not principal.sees_unit(unit_id):
        raise _field_error(field, "该组织单位不在您的管理范围内", "unit_out_of_scope")


def refuse_null(data: Any, fields: tuple[str, ...]) -> None:
    """Refuse (422) an explicit null for fields whose column cannot be empty."""
    nulls = [
        name for name in fields if name in data.model_fields_set and getattr(data, name) is None
    ]
    if nulls:
        raise ApiError(
            422,
            "这些字段不能为空：" + "、".join(nulls),
            details=[
                {"field": f"body.{name}", "message": "不能为空", "type": "not_null"}
                for name in nulls
            ],
        )


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")  # a lone surrogate cannot be encoded
        except UnicodeEncodeError:
            return False
        return "\x00" not in value
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


async def refuse_unstorable_text(request: Request) -> None:
    """Refuse NUL characters and lone surrogates (422): PostgreSQL cannot store them."""
    values: list[Any] = [request.url.path, *request.query_params.values()]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") or "+json" in content_type:
        # Cached: FastAPI has read the body already. Only JSON is checked; uploads are bytes.
        body = await request.body()
        try:
            values.append(json.loads(body) if body else None)
        except ValueError:
            return  # malformed JSON: FastAPI refuses it where a body is expected
    if not all(_storable(value) for value in values):
        raise ApiError(422, "请求中含有无法保存的字符（如 NUL 控制字符）")
