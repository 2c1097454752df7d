"""One error shape for the whole REST API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from app.db import is_database_unavailable
from app.services.people.roster import PersonError

log = structlog.get_logger(__name__)

API_PREFIX = "/api/"

# Machine-readable codes by status; the message is for people and is Chinese.
_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求无效"),
    401: ("unauthorized", "需要登录或有效的 API 令牌"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "没有找到该资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    413: ("payload_too_large", "上传的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "请求参数不合法"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("unavailable", "服务暂时不可用，请稍后再试"),
}


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a message for people, and optional details."""

    code: str = Field(
        examples=["not_found"],
        description="unauthorized, forbidden, not_found, validation_error, conflict, "
        "payload_too_large, internal_error, unavailable, …",
    )
    message: str = Field(examples=["没有找到该资源"])
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Field errors, row errors of an import, …"
    )
    request_id: str | None = Field(default=None, description="Quote it when reporting a 500")


class ErrorResponse(BaseModel):
    """Every error of the REST API has this shape."""

    error: ErrorBody


class ApiError(Exception):
    """An error a route raises on purpose (raising also rolls the unit of work back)."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code or _CODES.get(status_code, ("error", ""))[0]
        self.message = message
        self.details = details


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries documenting the error schema for these statuses."""
    return {
        status: {"model": ErrorResponse, "description": _CODES.get(status, ("", ""))[1]}
        for status in statuses
    }


def is_api_path(path: str) -> bool:
    """Whether the request belongs to the REST API (the callback and console keep their formats)."""
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def error_response(
    status_code: int,
    message: str | None = None,
    *,
    code: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> JSONResponse:
    """The JSON error response of the API."""
    default_code, default_message = _CODES.get(status_code, ("error", "请求失败"))
    body = ErrorBody(
        code=code or default_code,
        message=message or default_message,
        details=details,
        request_id=request_id,
    )
    content = {"error": body.model_dump(exclude_none=True)}
    return JSONResponse(content, status_code=status_code, headers=headers)


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


async def _reraise(request: Request, exc: Exception) -> Response:
    raise exc


async def _plain_500(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Internal Server Error", status_code=500)


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


def _from_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail: Any = exc.detail
    message: str | None = None
    details: list[dict[str, Any]] | None = None
    if isinstance(detail, str):
        # Starlette's own ("Not Found", "Method Not Allowed") give way to the Chinese default.
        message = None if detail == _phrase(exc.status_code) else detail
    elif isinstance(detail, dict):
        details = [detail]
    elif isinstance(detail, list):
        details = [item if isinstance(item, dict) else {"message": str(item)} for item in detail]
    return error_response(exc.status_code, message, details=details, headers=exc.headers)


def _from_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: the input itself may be a password.
    details = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    return error_response(422, details=details)


def _from_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.message, code=exc.code, details=exc.details)


def _from_person_error(request: Request, exc: Exception) -> Response:
    # The roster refuses changes that clash with a person's current state (a taken employee
    # number, a stage they already hold): 409 unless the error carries its own status.
    status_code = int(getattr(exc, "status_code", 409))
    return error_response(status_code, str(exc), code=getattr(exc, "code", None))


def _from_integrity(request: Request, exc: Exception) -> Response:
    # A unique key taken by a concurrent request between the service's check and its write.
    return error_response(409, "数据已被其他请求修改或已存在，请刷新后重试")


def _from_unhandled(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this returns, so the server still logs the traceback; the
    # client gets the request id to quote, never the traceback.
    log.error("api request failed", path=request.url.path, error=type(exc).__name__)
    status_code = 503 if is_database_unavailable(exc) else 500
    return error_response(status_code, request_id=getattr(request.state, "request_id", None))


_API_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Response]] = {
    HTTPException: _from_http,
    RequestValidationError: _from_validation,
    ApiError: _from_api_error,
    PersonError: _from_person_error,
    IntegrityError: _from_integrity,
    Exception: _from_unhandled,
}
_DEFAULTS: dict[type[Exception], Handler] = {
    HTTPException: http_exception_handler,  # type: ignore[dict-item]
    RequestValidationError: request_validation_exception_handler,  # type: ignore[dict-item]
    Exception: _plain_500,
}


def _only_for_api(api_handler: Callable[[Request, Exception], Response], other: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_api_path(request.url.path):
            return api_handler(request, exc)
        result = other(request, exc)
        return await result if inspect.isawaitable(result) else result

    return handle


def install_error_handlers(app: FastAPI) -> None:
    """Give paths under /api/ the API's error shape; other paths keep the handlers they had."""
    for cls, api_handler in _API_HANDLERS.items():
        other = app.exception_handlers.get(cls) or _DEFAULTS.get(cls, _reraise)
        app.add_exception_handler(cls, _only_for_api(api_handler, other))
