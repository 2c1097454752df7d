"""How one sandbox instance behaves: the account it pretends to be and where it calls back."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

AccountType = Literal["service", "subscription"]
CallbackMode = Literal["auto", "plain", "compatible", "safe"]


@dataclass
class SandboxConfig:
    """The fake account's credentials, kind, callback target and clock."""

    app_id: str
    app_secret: str
    token: str
    encoding_aes_key: str | None
    account_type: AccountType = "service"
    callback_url: str | None = None
    clock: Callable[[], float] = time.time
    token_ttl_seconds: int = 7200
    callback_transport: httpx.AsyncBaseTransport | None = None
    # The account's original id (gh_…), the ToUserName of every callback; derived when empty.
    original_id: str = ""
    # "auto" is safe mode with an EncodingAESKey and plaintext without one, as the brief asks;
    # "compatible" sends both forms so the backend's compatible-mode path can be exercised.
    callback_mode: CallbackMode = "auto"
    # WeChat gives the backend 5 s, then retries the same message (three deliveries in all).
    callback_timeout_seconds: float = 5.0
    callback_retries: int = 2
    # Emit TEMPLATESENDJOBFINISH / MASSSENDJOBFINISH / PUBLISHJOBFINISH on their own.
    auto_job_events: bool = False

    def __post_init__(self) -> None:
        """Derive the original id and refuse an EncodingAESKey WeChat would refuse."""
        if self.encoding_aes_key is not None and len(self.encoding_aes_key) != 43:
            raise ValueError("encoding_aes_key must be 43 characters")
        if not self.original_id:
            digest = hashlib.sha1(self.app_id.encode(), usedforsecurity=False).hexdigest()
            self.original_id = "gh_" + digest[:12]
        _ = self.effective_callback_mode  # refuse an encrypted mode without a key now, not later

    @property
    def effective_callback_mode(self) -> Literal["plain", "compatible", "safe"]:
        """The callback mode actually used, resolving "auto" by the presence of a key."""
        if self.callback_mode != "auto":
            if self.callback_mode != "plain" and self.encoding_aes_key is None:
                raise ValueError(f"callback_mode {self.callback_mode!r} needs encoding_aes_key")
            return self.callback_mode
        return "safe" if self.encoding_aes_key else "plain"
