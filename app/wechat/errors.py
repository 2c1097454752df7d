"""Typed WeChat API errors: what went wrong decides whether a call may be tried again."""

from __future__ import annotations

# errcode -1: WeChat is busy and asks to be called again shortly.
SYSTEM_BUSY = -1

# The access_token was replaced, revoked or has expired: fetch a new one and retry once.
TOKEN_INVALID_CODES = frozenset({40001, 40014, 42001})
# Daily quota (45009), too frequent (45011), no mass-send quota left (45028): try another day.
QUOTA_CODES = frozenset({45009, 45011, 45028})
# Outside the 48 h customer-service window (45015) or its message count is used up (45047).
WINDOW_CODES = frozenset({45015, 45047})


class WeChatError(Exception):
    """A WeChat API call failed; `errcode` is None when WeChat gave no JSON answer at all."""

    def __init__(self, errcode: int | None, errmsg: str, call: str, *, attempts: int = 1) -> None:
        """Keep the code, WeChat's message, the call's name and how many attempts were made."""
        super().__init__(errcode, errmsg, call)
        self.errcode = errcode
        self.errmsg = errmsg
        self.call = call
        self.attempts = attempts

    def __str__(self) -> str:
        """Name the call and the code; never a URL, so no token can leak through a message."""
        return f"{self.call}: errcode={self.errcode} {self.errmsg}"


class TransientError(WeChatError):
    """WeChat was busy or unreachable, or answered garbage; the same call may succeed later.

    `maybe_done` is True when the request may have reached WeChat and been carried out even
    though no answer came back (a time-out, a 5xx, a truncated body): re-sending a message
    then risks a duplicate.
    """

    def __init__(
        self,
        errcode: int | None,
        errmsg: str,
        call: str,
        *,
        attempts: int = 1,
        maybe_done: bool = False,
    ) -> None:
        """Record whether the failed request might still have taken effect."""
        super().__init__(errcode, errmsg, call, attempts=attempts)
        self.maybe_done = maybe_done


class QuotaError(WeChatError):
    """A quota is used up (per day, per minute or mass sends); retrying now cannot help."""


class PermanentError(WeChatError):
    """WeChat refused the request itself (bad openid, not following, not authorised, …)."""


class WindowClosedError(WeChatError):
    """The member's customer-service window is closed or used up; wait for them to write."""


class TokenInvalidError(WeChatError):
    """The access_token was rejected; the client refreshes it and retries once by itself."""


def classify(errcode: int) -> type[WeChatError]:
    """Return the error class for a non-zero WeChat errcode (unknown codes are permanent)."""
    if errcode == 0:
        raise ValueError("errcode 0 is success, not an error")
    if errcode == SYSTEM_BUSY:
        return TransientError
    if errcode in TOKEN_INVALID_CODES:
        return TokenInvalidError
    if errcode in QUOTA_CODES:
        return QuotaError
    if errcode in WINDOW_CODES:
        return WindowClosedError
    # Retrying a code we do not know could repeat a side effect; refusing it is the safe side.
    return PermanentError
