"""A fake WeChat API (api.weixin.qq.com and the OAuth page) for dev and tests.

Mount `create_sandbox_app(config)` at /sandbox in dev, or serve it with uvicorn; drive it from
tests through `app.state.sandbox` (a SandboxState) and `app.state.sandbox_callbacks`.
"""

from app.sandbox.app import create_sandbox_app
from app.sandbox.callbacks import NotFollowingError, SandboxCallbacks, UnknownFollowerError
from app.sandbox.config import SandboxConfig
from app.sandbox.delivery import CallbackResult
from app.sandbox.faults import Faults, QueuedErrcode
from app.sandbox.models import Delivery
from app.sandbox.state import SandboxState

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
