"""Structured logs with a request id; secrets, tokens and phone numbers never reach a log line."""

from __future__ import annotations

import functools
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO, cast

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_TOKEN_IN_URL = re.compile(
    r"((?:access_token|secret|ticket|code|(?<![\w-])t)=)[^&\s\"']+", re.IGNORECASE
)
# A member page's link names its person: /m/r/<token> is as good as a password while it lasts.
_TOKEN_IN_PATH = re.compile(r"(/m/r/)[^/?#\s\"']+")
_SENSITIVE_KEYS = re.compile(r"token|secret|password|passwd|aes_key|authorization|cookie", re.I)
_MASK = "***"
_CACHED_LENGTH = 200
_MAX_KEYS = 1024  # event-dict keys whose sensitivity is remembered (the code's own, a few dozen)


class Redactor:
    """A structlog processor that masks known secret values, token parameters and phone numbers."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        # Most values repeat line after line (a method, a path, an event): scrub each once.
        self._scrub_short = functools.lru_cache(maxsize=4096)(self._scrub)
        self._sensitive: dict[str, bool] = {}

    def scrub(self, text: str) -> str:
        """Mask everything sensitive inside one string."""
        return self._scrub_short(text) if len(text) <= _CACHED_LENGTH else self._scrub(text)

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        text = _TOKEN_IN_URL.sub(lambda m: m.group(1) + _MASK, text)
        text = _TOKEN_IN_PATH.sub(lambda m: m.group(1) + _MASK, text)
        return _PHONE.sub(r"\1****\2", text)

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
        """Scrub every value of the event dict."""
        for key, value in list(event.items()):
            sensitive = self._sensitive.get(key)
            if sensitive is None:
                sensitive = key != "event" and bool(_SENSITIVE_KEYS.search(key))
                if len(self._sensitive) < _MAX_KEYS:
                    self._sensitive[key] = sensitive
            if sensitive:
                event[key] = _MASK
            elif isinstance(value, str):
                event[key] = self.scrub(value)
            elif value is not None and not isinstance(value, int | float | bool):
                event[key] = self.scrub(repr(value))
        return event


def configure_logging(
    *,
    level: str,
    json: bool,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    instance: str | None = None,
) -> None:
    """Set up structlog (JSON in production, readable lines in dev) for the whole process.

    `instance` (app.config.instance_id) is added to every line, so the lines of several
    replicas and workers can be told apart.
    """
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            *([_InstanceId(instance)] if instance else []),
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            Redactor(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(file=stream or cast(TextIO, _Stderr())),
        cache_logger_on_first_use=False,
    )
    _configured.generation += 1


class _Configured:
    """How many times logging was set up: a logger bound once is bound again after a change."""

    generation = 0


_configured = _Configured()


class _Stderr:
    """sys.stderr as it is at each write, not at set-up: a command set up while a test runner
    had swapped it in (CliRunner) must not keep writing to that runner's stream once closed."""

    def write(self, text: str) -> int:
        """Write to the current sys.stderr."""
        return sys.stderr.write(text)

    def flush(self) -> None:
        """Flush the current sys.stderr."""
        sys.stderr.flush()


class _InstanceId:
    """A structlog processor naming the process on every line."""

    def __init__(self, instance: str) -> None:
        self.instance = instance

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
        """Add instance_id unless the line names one itself."""
        event.setdefault("instance_id", self.instance)
        return event


class RequestIdMiddleware:
    """Tag each request with an id (from X-Request-ID or new), log it once when it ends."""

    QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger("app.request")
        # The lazy proxy binds a new logger (and its writer) on every call: bound here once
        # per configuration instead, a request's line costs half as much.
        self._bound: Any = None
        self._bound_generation = -1

    def _logger(self) -> Any:
        """The request logger, bound under the current configuration."""
        if self._bound_generation != _configured.generation:
            self._bound = self.log.bind()
            self._bound_generation = _configured.generation
        return self._bound

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the request id for every log line of this request and echo it back."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isascii() and incoming else secrets.token_hex(8)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id  # for audit entries
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if not path.startswith(self.QUIET_PATHS):
                # The query string is left out: it carries signatures and, on /m/, one-time codes.
                self._logger().info(
                    "request",
                    method=scope.get("method"),
                    path=_TOKEN_IN_PATH.sub(lambda m: m.group(1) + _MASK, path),
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )
            structlog.contextvars.unbind_contextvars("request_id")
