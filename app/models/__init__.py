"""SQLModel tables, one concept per module; importing this package registers them all."""

from sqlmodel import SQLModel

from app.models.admin import AdminRole, AdminUser, ApiToken, AuditLog
from app.models.binding import BindingAttempt, BindingCode
from app.models.credential import WeChatCredential, WeChatLease
from app.models.follower import Follower
from app.models.inbound_message import InboundMessage, InboundStatus
from app.models.org import OrgUnit, OrgUnitKind
from app.models.person import (
    BranchRole,
    BranchRoleKind,
    Person,
    PersonStatus,
    PoliticalStage,
    StageTransition,
    StudyPair,
)

metadata = SQLModel.metadata

__all__ = [
    "AdminRole",
    "AdminUser",
    "ApiToken",
    "AuditLog",
    "BindingAttempt",
    "BindingCode",
    "BranchRole",
    "BranchRoleKind",
    "Follower",
    "InboundMessage",
    "InboundStatus",
    "OrgUnit",
    "OrgUnitKind",
    "Person",
    "PersonStatus",
    "PoliticalStage",
    "StageTransition",
    "StudyPair",
    "WeChatCredential",
    "WeChatLease",
    "metadata",
]
