"""SQLModel tables, one concept per module; importing this package registers them all."""

from sqlmodel import SQLModel

from app.models.admin import AdminRole, AdminUser, ApiToken, AuditLog
from app.models.audience import AudienceKind
from app.models.binding import BindingAttempt, BindingCode
from app.models.broadcast import (
    Broadcast,
    BroadcastBatch,
    BroadcastRecipient,
    BroadcastStatus,
    BroadcastWorker,
    Channel,
    RecipientStatus,
)
from app.models.credential import WeChatCredential, WeChatLease
from app.models.follower import Follower
from app.models.inbound_message import InboundMessage, InboundStatus
from app.models.integrity import (
    CampaignStatus,
    IntegrityTalk,
    PledgeCampaign,
    PledgeReceipt,
    PledgeSignature,
    PledgeVersion,
    SignatureChannel,
    TalkCategory,
)
from app.models.job_run import JobOutcome, JobRun
from app.models.meeting import (
    ConversationPrompt,
    LeaveRequest,
    LeaveStatus,
    MakeupSubmission,
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    MeetingKind,
    MeetingStatus,
    StudyDayRule,
)
from app.models.newsletter import IssueStatus, NewsletterIssue, NewsletterRead, NewsletterSeries
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
from app.models.quiz import (
    Question,
    QuestionKind,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizStatus,
)

metadata = SQLModel.metadata

__all__ = [
    "AdminRole",
    "AdminUser",
    "ApiToken",
    "AudienceKind",
    "AuditLog",
    "BindingAttempt",
    "BindingCode",
    "BranchRole",
    "BranchRoleKind",
    "Broadcast",
    "BroadcastBatch",
    "BroadcastRecipient",
    "BroadcastStatus",
    "BroadcastWorker",
    "CampaignStatus",
    "Channel",
    "ConversationPrompt",
    "Follower",
    "InboundMessage",
    "InboundStatus",
    "IntegrityTalk",
    "IssueStatus",
    "JobOutcome",
    "JobRun",
    "LeaveRequest",
    "LeaveStatus",
    "MakeupSubmission",
    "Meeting",
    "MeetingAttachment",
    "MeetingAttendance",
    "MeetingKind",
    "MeetingStatus",
    "NewsletterIssue",
    "NewsletterRead",
    "NewsletterSeries",
    "OrgUnit",
    "OrgUnitKind",
    "Person",
    "PersonStatus",
    "PledgeCampaign",
    "PledgeReceipt",
    "PledgeSignature",
    "PledgeVersion",
    "PoliticalStage",
    "Question",
    "QuestionKind",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "QuizStatus",
    "RecipientStatus",
    "SignatureChannel",
    "StageTransition",
    "StudyDayRule",
    "StudyPair",
    "TalkCategory",
    "WeChatCredential",
    "WeChatLease",
    "metadata",
]
