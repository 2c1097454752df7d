"""SQLModel tables, one concept per module; importing this package registers them all."""

from sqlmodel import SQLModel

from app.models.accounts import AdminRole, AdminUser, ApiToken
from app.models.admission import (
    AdmissionAssignee,
    AdmissionCourse,
    AdmissionDocument,
    AdmissionFile,
    AdmissionReview,
    AdmissionStep,
    AssigneeRole,
    CourseEnrolment,
    CourseSession,
    FileStatus,
    NoticeKind,
    NoticeObjection,
    ObjectionOutcome,
    PublicNotice,
    ThoughtReport,
    ThoughtReportPhoto,
)
from app.models.attachments import Attachment
from app.models.audiences import AudienceKind
from app.models.audit import AuditLog
from app.models.binding import BindingAttempt, BindingCode, Follower
from app.models.broadcasts import (
    Broadcast,
    BroadcastBatch,
    BroadcastRecipient,
    BroadcastStatus,
    BroadcastWorker,
    Channel,
    RecipientStatus,
)
from app.models.imports import ImportJob, ImportKind, ImportStatus
from app.models.jobs import JobOutcome, JobRun
from app.models.meetings import (
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
from app.models.messages import InboundMessage, InboundStatus
from app.models.newsletters import (
    IssueStatus,
    NewsletterImage,
    NewsletterIssue,
    NewsletterRead,
    NewsletterSeries,
)
from app.models.people import (
    BranchRole,
    BranchRoleKind,
    OrgUnit,
    OrgUnitKind,
    Person,
    PersonStatus,
    PoliticalStage,
    StageTransition,
    StudyPair,
)
from app.models.pledges import (
    CampaignStatus,
    PledgeCampaign,
    PledgeReceipt,
    PledgeSignature,
    PledgeVersion,
    SignatureChannel,
)
from app.models.quizzes import Question, QuestionKind, Quiz, QuizAttempt, QuizQuestion, QuizStatus
from app.models.reflections import Reflection, ReflectionStatus, ReflectionTopic
from app.models.talks import IntegrityTalk, TalkCategory
from app.models.wechat import WeChatCredential, WeChatLease
from app.models.workdays import CalendarDay, CalendarYear

metadata = SQLModel.metadata

__all__ = [
    "AdminRole",
    "AdminUser",
    "AdmissionAssignee",
    "AdmissionCourse",
    "AdmissionDocument",
    "AdmissionFile",
    "AdmissionReview",
    "AdmissionStep",
    "ApiToken",
    "AssigneeRole",
    "Attachment",
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
    "CalendarDay",
    "CalendarYear",
    "CampaignStatus",
    "Channel",
    "ConversationPrompt",
    "CourseEnrolment",
    "CourseSession",
    "FileStatus",
    "Follower",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
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
    "NewsletterImage",
    "NewsletterIssue",
    "NewsletterRead",
    "NewsletterSeries",
    "NoticeKind",
    "NoticeObjection",
    "ObjectionOutcome",
    "OrgUnit",
    "OrgUnitKind",
    "Person",
    "PersonStatus",
    "PledgeCampaign",
    "PledgeReceipt",
    "PledgeSignature",
    "PledgeVersion",
    "PoliticalStage",
    "PublicNotice",
    "Question",
    "QuestionKind",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "QuizStatus",
    "RecipientStatus",
    "Reflection",
    "ReflectionStatus",
    "ReflectionTopic",
    "SignatureChannel",
    "StageTransition",
    "StudyDayRule",
    "StudyPair",
    "TalkCategory",
    "ThoughtReport",
    "ThoughtReportPhoto",
    "WeChatCredential",
    "WeChatLease",
    "metadata",
]
