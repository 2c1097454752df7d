"""The records the sandbox keeps in memory: followers, tokens, content, sends and logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TokenKind = Literal["token", "stable"]
WindowKind = Literal["message", "event"]
TemplateKind = Literal["template", "subscribe"]
Channel = Literal["custom", "template", "subscribe", "mass", "preview", "reply"]


@dataclass
class ServiceWindow:
    """The customer-service window the member's last interaction opened."""

    kind: WindowKind
    opened_at: float
    used: int = 0


@dataclass
class Follower:
    """A WeChat user known to the account (following now or in the past)."""

    openid: str
    nickname: str = ""
    subscribed: bool = True
    subscribe_time: int = 0
    unsubscribe_time: int | None = None
    subscribe_scene: str = "ADD_SCENE_OTHERS"
    qr_scene_str: str = ""
    remark: str = ""
    language: str = "zh_CN"
    tagids: list[int] = field(default_factory=list)
    window: ServiceWindow | None = None
    # Mass messages received per China calendar month ("YYYY-MM"), for the 4-per-month cap.
    mass_by_month: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Render for the control API."""
        return asdict(self)


@dataclass
class TokenRecord:
    """An issued access_token and how long it stays usable."""

    token: str
    kind: TokenKind
    issued_at: float
    expires_at: float
    superseded_at: float | None = None
    revoked: bool = False


@dataclass
class Template:
    """A template-message or subscribe-notification template the account owns."""

    template_id: str
    title: str
    keys: list[str]
    kind: TemplateKind = "template"
    # Each key's field name as the phone shows it ("thing1" → "通知事项"); see `label_of`.
    labels: dict[str, str] = field(default_factory=dict)

    def label_of(self, key: str) -> str:
        """The field's name on the card: the template's own, else one by the key's kind."""
        kind = key.rstrip("0123456789")
        return self.labels.get(key) or FIELD_KINDS.get(kind, "内容")


# What WeChat's field kinds hold, for templates registered without their field names.
FIELD_KINDS = {
    "thing": "事项",
    "time": "时间",
    "date": "日期",
    "name": "姓名",
    "phrase": "状态",
    "character_string": "编号",
    "number": "数量",
    "amount": "金额",
    "phone_number": "电话",
    "car_number": "车牌",
    "keyword": "内容",
    "first": "标题",
    "remark": "备注",
}


@dataclass
class Tag:
    """A follower tag."""

    id: int
    name: str


@dataclass
class Material:
    """A permanent media item (material/add_material) or an in-article image."""

    media_id: str
    type: str
    filename: str
    size: int
    url: str
    created_at: float


@dataclass
class Draft:
    """A draft (draft/add): the articles a mass send or publication uses."""

    media_id: str
    articles: list[dict[str, Any]]
    created_at: float


@dataclass
class Publication:
    """A freepublish/submit job."""

    publish_id: int
    media_id: str
    article_id: str
    msg_data_id: int
    article_urls: list[str]
    status: int
    created_at: float


@dataclass
class MassJob:
    """A mass-send job and the counts its MASSSENDJOBFINISH event reports."""

    msg_id: int
    msg_data_id: int | None
    msgtype: str
    total: int
    filter_count: int
    sent: int
    error: int
    created_at: float
    clientmsgid: str | None = None


@dataclass
class TemplateSend:
    """A template message sent, for its TEMPLATESENDJOBFINISH event."""

    msgid: int
    openid: str
    template_id: str
    at: float


@dataclass
class Delivery:
    """A message that actually reached a member's phone."""

    id: int
    openid: str
    channel: Channel
    msgtype: str
    payload: dict[str, Any]
    msgid: int
    at: float

    def to_json(self) -> dict[str, Any]:
        """Render for the control API."""
        return asdict(self)


@dataclass
class CallRecord:
    """One WeChat API call as the sandbox answered it."""

    path: str
    errcode: int | None
    at: float
    fault: str | None = None


@dataclass
class OAuthCode:
    """A one-time OAuth2 code bound to the member who "authorised"."""

    code: str
    openid: str
    scope: str
    issued_at: float
    used: bool = False


@dataclass
class SnsToken:
    """A web (OAuth2) access_token."""

    token: str
    openid: str
    scope: str
    expires_at: float
