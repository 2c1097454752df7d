"""A fake WeChat API (api.weixin.qq.com and the OAuth page) for dev and tests.

Mount `create_sandbox_app(config)` at /sandbox in dev, or serve it with uvicorn; drive it from
tests through `app.state.sandbox` (a SandboxState) and `app.state.sandbox_callbacks`.
"""

from app.dev.sandbox.app import create_sandbox_app
from app.dev.sandbox.callbacks import NotFollowingError, SandboxCallbacks, UnknownFollowerError
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.delivery import CallbackResult
from app.dev.sandbox.faults import Faults, QueuedErrcode
from app.dev.sandbox.models import Delivery
from app.dev.sandbox.state import SandboxState

__all__ = [
    "CallbackResult",
    "Delivery",
    "Faults",
    "NotFollowingError",
    "QueuedErrcode",
    "SandboxCallbacks",
    "SandboxConfig",
    "SandboxState",
    "UnknownFollowerError",
    "create_sandbox_app",
]
