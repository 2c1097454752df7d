"""The procedure of 《中国共产党发展党员工作细则》 as data: 5 stages, 25 steps, their order,
the people responsible, the documents each produces and its time rule.

Nothing here touches the database; `files.py` records steps against it and `deadlines.py`
computes the dates it implies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.models import NoticeKind, PoliticalStage


class Role(StrEnum):
    """Who is responsible for a step."""

    SECRETARY = "secretary"
    CONTACT = "contact"
    INTRODUCER = "introducer"
    COMMITTEE = "committee"  # 上级党委: its steps are followed up by the branch secretary

    @property
    def label(self) -> str:
        """The Chinese name."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SECRETARY: "支部书记",
    Role.CONTACT: "培养联系人",
    Role.INTRODUCER: "入党介绍人",
    Role.COMMITTEE: "上级党委",
}


@dataclass(frozen=True)
class Section:
    """One of the five stages of the procedure."""

    number: int
    title: str
    stage: PoliticalStage  # the stage a person is in while these steps are taken


SECTIONS = (
    Section(1, "入党申请人的确定与培养教育", PoliticalStage.APPLICANT),
    Section(2, "入党积极分子的确定和教育考察", PoliticalStage.ACTIVIST),
    Section(3, "发展对象的确定和考察", PoliticalStage.CANDIDATE),
    Section(4, "预备党员的接收", PoliticalStage.PROBATIONARY),
    Section(5, "预备党员的教育考察和转正", PoliticalStage.FULL),
)


class Field(StrEnum):
    """What a step needs recorded besides its date, document and note."""

    TRAINING = "training"  # the training's first and last day and its 学时
    CONTACTS = "contacts"  # 1–2 full members as 培养联系人
    INTRODUCERS = "introducers"  # 2 full members as 入党介绍人
    LATE_REASON = "late_reason"  # why an approval took more than 3 months


@dataclass(frozen=True)
class Step:
    """One step: where it sits, who does it, what it produces and the rule on its date."""

    number: int
    code: str
    section: int
    title: str
    roles: tuple[Role, ...]
    documents: tuple[str, ...]
    after: tuple[str, ...]  # the steps that must be done first
    rule: str = ""  # the time rule, as the file shows it
    enters: PoliticalStage | None = None  # the stage this step moves the person into
    fields: tuple[Field, ...] = ()
    # A 公示 of this kind must have closed with every objection checked before this step.
    needs_notice: NoticeKind | None = None
    # Ongoing work rather than a one-off act (its date is when it was completed).
    ongoing: bool = False


S, C, N, P = Role.SECRETARY, Role.CONTACT, Role.INTRODUCER, Role.COMMITTEE

STEPS: tuple[Step, ...] = (
    Step(1, "apply", 1, "递交入党申请书", (S,), ("入党申请书",), (),
         "年满十八岁", enters=PoliticalStage.APPLICANT),
    Step(2, "talk", 1, "党组织派人谈话", (S,), ("谈话记录",), ("apply",),
         "收到入党申请书后一个月内"),
    Step(3, "activist", 2, "推荐和确定入党积极分子", (S,), ("推荐材料", "支委会会议记录"),
         ("talk",), "党员推荐、群团组织推优，支委会研究决定", enters=PoliticalStage.ACTIVIST),
    Step(4, "activist_filing", 2, "报上级党委备案", (S, P), ("入党积极分子备案表",), ("activist",)),
    Step(5, "contacts", 2, "指定培养联系人", (S,), ("培养联系人名单",), ("activist",),
         "指定一至两名正式党员", fields=(Field.CONTACTS,)),
    Step(6, "cultivation", 2, "培养教育考察", (C, S), ("培养考察登记表", "思想汇报"), ("contacts",),
         "每半年考察一次，每季度递交思想汇报", ongoing=True),
    Step(7, "candidate", 3, "确定发展对象", (S,), ("支委会会议记录", "群众意见"),
         ("cultivation", "activist_filing"), "经过一年以上培养教育和考察",
         enters=PoliticalStage.CANDIDATE),
    Step(8, "candidate_filing", 3, "报上级党委备案", (S, P), ("发展对象备案表",), ("candidate",)),
    Step(9, "introducers", 3, "确定入党介绍人", (S,), ("入党介绍人名单",), ("candidate",),
         "两名正式党员", fields=(Field.INTRODUCERS,)),
    Step(10, "political_review", 3, "进行政治审查", (S, P), ("政审材料", "政审结论"),
         ("candidate",), "政审结论在有效期内"),
    Step(11, "training", 3, "开展集中培训", (S, P), ("培训结业证明", "考试答卷"), ("candidate",),
         "不少于三天或二十四学时", fields=(Field.TRAINING,)),
    Step(12, "committee_review", 4, "支部委员会审查", (S,), ("支委会会议记录",),
         ("candidate_filing", "introducers", "political_review", "training"),
         "审查合格后公示"),
    Step(13, "pre_review", 4, "上级党委预审", (P, S), ("预审意见",), ("committee_review",),
         "公示结束、异议核实后", needs_notice=NoticeKind.CANDIDATE),
    Step(14, "application_form", 4, "填写入党志愿书", (N, S), ("入党志愿书",), ("pre_review",)),
    Step(15, "branch_resolution", 4, "支部大会讨论接收", (S,), ("支部大会决议",),
         ("application_form",), "培训结业、政审有效；预备期自决议之日起算"),
    Step(16, "committee_talk", 4, "上级党委派人谈话", (P, S), ("谈话记录",),
         ("branch_resolution",)),
    Step(17, "approval", 4, "上级党委审批", (P, S), ("审批意见", "批复文件"),
         ("committee_talk",), "支部大会决议后三个月内（特殊情况最长六个月，须说明理由）",
         enters=PoliticalStage.PROBATIONARY, fields=(Field.LATE_REASON,)),
    Step(18, "approval_filing", 4, "再上一级党委组织部门备案", (P,), ("备案材料",), ("approval",)),
    Step(19, "placement", 4, "编入党支部和党小组", (S,), ("编组记录",), ("approval",)),
    Step(20, "oath", 4, "入党宣誓", (S,), ("宣誓记录",), ("approval",)),
    Step(21, "probation_education", 5, "继续教育考察", (S, N), ("预备党员考察表", "思想汇报"),
         ("placement", "oath"), "预备期内每季度递交思想汇报", ongoing=True),
    Step(22, "conversion_request", 5, "提出转正申请", (S,), ("转正申请书",), ("approval",),
         "预备期满前提出"),
    Step(23, "conversion_resolution", 5, "支部大会讨论转正", (S,), ("支部大会决议",),
         ("probation_education", "conversion_request"), "预备期满后及时讨论",
         needs_notice=NoticeKind.CONVERSION),
    Step(24, "conversion_approval", 5, "上级党委审批转正", (P, S), ("审批意见",),
         ("conversion_resolution",), "支部大会决议后三个月内", enters=PoliticalStage.FULL,
         fields=(Field.LATE_REASON,)),
    Step(25, "archive", 5, "材料归档", (S,), ("入党材料清单",), ("conversion_approval",),
         "转正后及时归档"),
)  # fmt: skip

BY_CODE = {step.code: step for step in STEPS}
# The step a 公示 precedes (it can be started once its predecessor is done).
NOTICE_STEP = {step.needs_notice: step for step in STEPS if step.needs_notice is not None}

# 细则 第五条: 年满十八岁; 第十四条: 一年以上; 第三十一条, 第三十三条: 审批三个月, 最长六个月;
# 第三十五条: 预备期一年; 第三十七条: 延长预备期不少于半年，最长不超过一年.
MINIMUM_AGE = 18
ACTIVIST_MONTHS = 12
TALK_MONTHS = 1
REVIEW_MONTHS = 6
APPROVAL_MONTHS = 3
APPROVAL_MONTHS_AT_MOST = 6
PROBATION_MONTHS = 12
EXTENSION_MONTHS = (6, 12)
TRAINING_DAYS = 3
TRAINING_HOURS = 24


def step(code: str) -> Step:
    """The step with this code (KeyError for an unknown code)."""
    return BY_CODE[code]


def section_of(step: Step) -> Section:
    """The stage section the step belongs to."""
    return SECTIONS[step.section - 1]


def label(step: Step) -> str:
    """ "第 7 步 确定发展对象"."""
    return f"第 {step.number} 步「{step.title}」"
