"""The campaign form's fields: what was typed, checked, and made into a CampaignDraft."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from app.models import AudienceKind, PledgeCampaign
from app.models.types import CHINA
from app.services.pledges.campaigns import MAX_TEXT, CampaignDraft
from app.web.admin.forms import Part, china_datetime, parse_int, text_fields, validate

FORM_TEXT = (
    "title",
    "year",
    "org_unit_id",
    "audience",
    "deadline_date",
    "deadline_time",
    "remind_every_days",
    "remind_max",
)
# The model's own messages are generic ("填写有误"); number fields say what range is allowed.
RANGE_MESSAGES = {
    "year": "年份应在 2000 到 2100 之间。",
    "remind_every_days": "提醒间隔应在 1 到 30 天之间。",
    "remind_max": "提醒次数应在 0 到 10 次之间。",
}


def shown_of(campaign: PledgeCampaign, text: str) -> dict[str, Any]:
    """The form's values for a stored campaign and its current text."""
    deadline = campaign.deadline.astimezone(CHINA)
    return {
        "title": campaign.title,
        "year": str(campaign.year),
        "org_unit_id": str(campaign.org_unit_id),
        "audience": campaign.audience,
        "person_ids": [str(pid) for pid in campaign.person_ids],
        "deadline_date": deadline.date().isoformat(),
        "deadline_time": f"{deadline:%H:%M}",
        "remind_every_days": str(campaign.remind_every_days),
        "remind_max": str(campaign.remind_max),
        "text": text,
    }


DEADLINE = (
    Part("deadline_date", "请选择截止日期。", "日期格式应为 年-月-日，例如 2026-12-31。"),
    Part("deadline_time", "请选择截止时间。", "时间格式应为 时:分，例如 18:00。"),
)


def check(
    form: FormData,
    *,
    campaign: PledgeCampaign | None,
    units: list[tuple[int, str]],
    people: list[tuple[int, str]],
    moment: datetime,
) -> tuple[dict[str, Any], CampaignDraft | None, dict[str, str]]:
    """What was typed (to show again), the draft, and the errors by field."""
    shown: dict[str, Any] = text_fields(form, *FORM_TEXT)
    raw = form.get("text")
    # Browsers send line breaks as CRLF; the text is stored, hashed and signed with LF.
    shown["text"] = raw.replace("\r\n", "\n") if isinstance(raw, str) else ""
    shown["person_ids"] = [str(v).strip() for v in form.getlist("person_ids") if str(v).strip()]
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"title": shown["title"]}
    if not shown["title"]:
        errors["title"] = "请填写标题。"
    for name in ("year", "remind_every_days", "remind_max"):
        data[name] = parse_int(shown[name])
        if data[name] is None:
            errors[name] = RANGE_MESSAGES[name]
    data["org_unit_id"] = parse_int(shown["org_unit_id"])
    if data["org_unit_id"] not in {uid for uid, _ in units}:
        errors["org_unit_id"] = "请从列表中选择单位。"
    if shown["audience"] not in {k.value for k in AudienceKind}:
        errors["audience"] = "请从列表中选择签署范围。"
    data["audience"] = shown["audience"]
    data["person_ids"] = []
    if shown["audience"] == AudienceKind.PEOPLE.value:
        allowed = {pid for pid, _ in people}
        chosen = [parse_int(v) for v in shown["person_ids"]]
        if any(pid not in allowed for pid in chosen):
            errors["person_ids"] = "请从列表中选择签署人员。"
        elif not chosen:
            errors["person_ids"] = "选择「指定人员」时请至少选一人。"
        data["person_ids"] = sorted({pid for pid in chosen if pid is not None})
    data["deadline"] = china_datetime(shown, errors, day=DEADLINE[0], at=DEADLINE[1])
    unchanged = campaign is not None and data["deadline"] == campaign.deadline
    if data["deadline"] is not None and data["deadline"] <= moment and not unchanged:
        errors["deadline_date"] = "截止时间必须晚于现在。"
    text = shown["text"].strip()
    if not text:
        errors["text"] = "请填写承诺书正文。"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"正文最多 {MAX_TEXT} 字，现在是 {len(text)} 字。"
    data["text"] = text
    draft, model_errors = validate(CampaignDraft, data)
    for name, message in model_errors.items():
        # The form's own checks above say it better; the model's catch what is left.
        field = {"deadline": "deadline_date", "__all__": "person_ids"}.get(name, name)
        errors.setdefault(field, RANGE_MESSAGES.get(field, message))
    return shown, (draft if not errors else None), errors
