"""WeChat's error codes and limits, as named constants, and China-time calendar helpers.

Codes and messages follow WeChat's global return-code table; where the brief left a choice
("pick"), the real code from that table is used and the reason is noted beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

# WeChat counts days and months (quotas, mass sends) in China time.
CHINA_TZ: Final = timezone(timedelta(hours=8))

OK: Final = 0
SYSTEM_ERROR: Final = -1
INVALID_CREDENTIAL: Final = 40001
INVALID_GRANT_TYPE: Final = 40002
INVALID_OPENID: Final = 40003
INVALID_MEDIA_TYPE: Final = 40004
INVALID_MEDIA_ID: Final = 40007
INVALID_MESSAGE_TYPE: Final = 40008
INVALID_IMAGE_SIZE: Final = 40009
INVALID_APPID: Final = 40013
# Menu codes: WeChat's table has separate codes for top-level and sub buttons.
INVALID_BUTTON_SIZE: Final = 40016
INVALID_BUTTON_TYPE: Final = 40017
INVALID_BUTTON_NAME_SIZE: Final = 40018
INVALID_BUTTON_KEY_SIZE: Final = 40019
INVALID_BUTTON_URL_SIZE: Final = 40020
INVALID_SUB_BUTTON_LEVEL: Final = 40022
INVALID_SUB_BUTTON_SIZE: Final = 40023
INVALID_SUB_BUTTON_TYPE: Final = 40024
INVALID_SUB_BUTTON_NAME_SIZE: Final = 40025
INVALID_SUB_BUTTON_KEY_SIZE: Final = 40026
INVALID_SUB_BUTTON_URL_SIZE: Final = 40027
INVALID_CODE: Final = 40029
INVALID_OPENID_LIST_SIZE: Final = 40032
INVALID_TEMPLATE_ID: Final = 40037
INVALID_SUB_BUTTON_URL_DOMAIN: Final = 40054
INVALID_BUTTON_URL_DOMAIN: Final = 40055
INVALID_ARGS: Final = 40097
UNSUPPORTED_FILE_TYPE: Final = 40113
INVALID_APPSECRET: Final = 40125
MASS_OPENID_LIST_SIZE: Final = 40130
CODE_BEEN_USED: Final = 40163
ACCESS_TOKEN_MISSING: Final = 41001
APPID_MISSING: Final = 41002
APPSECRET_MISSING: Final = 41004
MEDIA_DATA_MISSING: Final = 41005
CODE_MISSING: Final = 41008
ACCESS_TOKEN_EXPIRED: Final = 42001
REQUIRE_GET: Final = 43001
REQUIRE_POST: Final = 43002
REQUIRE_SUBSCRIBE: Final = 43004
USER_REFUSE: Final = 43101
EMPTY_POST_DATA: Final = 44002
EMPTY_NEWS_DATA: Final = 44003
EMPTY_CONTENT: Final = 44004
CONTENT_SIZE_OUT_OF_LIMIT: Final = 45002
TITLE_SIZE_OUT_OF_LIMIT: Final = 45003
DESCRIPTION_SIZE_OUT_OF_LIMIT: Final = 45004
ARTICLE_SIZE_OUT_OF_LIMIT: Final = 45008
API_DAILY_QUOTA: Final = 45009
API_MINUTE_QUOTA: Final = 45011
RESPONSE_OUT_OF_TIME: Final = 45015
NO_MASSSEND_QUOTA: Final = 45028
OUT_OF_RESPONSE_COUNT: Final = 45047
TOO_MANY_TAGS: Final = 45056
CANNOT_MODIFY_SYS_TAG: Final = 45058
# 45059 is "a follower already carries 20 tags" in WeChat's table; an unknown tag is 45159.
TOO_MANY_TAGS_ON_USER: Final = 45059
CLIENTMSGID_EXIST: Final = 45065
AUTHOR_SIZE_OUT_OF_LIMIT: Final = 45110
TAG_NAME_EXISTS: Final = 45157
TAG_NAME_TOO_LONG: Final = 45158
INVALID_TAG_ID: Final = 45159
MENU_NOT_EXIST: Final = 46003
DATA_FORMAT_ERROR: Final = 47001
ARGUMENT_INVALID: Final = 47003
API_UNAUTHORIZED: Final = 48001

ERRMSG: Final[dict[int, str]] = {
    OK: "ok",
    SYSTEM_ERROR: "system error",
    INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest",
    INVALID_GRANT_TYPE: "invalid grant_type",
    INVALID_OPENID: "invalid openid",
    INVALID_MEDIA_TYPE: "invalid media type",
    INVALID_MEDIA_ID: "invalid media_id",
    INVALID_MESSAGE_TYPE: "invalid message type",
    INVALID_IMAGE_SIZE: "invalid image size",
    INVALID_APPID: "invalid appid",
    INVALID_BUTTON_SIZE: "invalid button size",
    INVALID_BUTTON_TYPE: "invalid button type",
    INVALID_BUTTON_NAME_SIZE: "invalid button name size",
    INVALID_BUTTON_KEY_SIZE: "invalid button key size",
    INVALID_BUTTON_URL_SIZE: "invalid button url size",
    INVALID_SUB_BUTTON_LEVEL: "invalid sub button level",
    INVALID_SUB_BUTTON_SIZE: "invalid sub button size",
    INVALID_SUB_BUTTON_TYPE: "invalid sub button type",
    INVALID_SUB_BUTTON_NAME_SIZE: "invalid sub button name size",
    INVALID_SUB_BUTTON_KEY_SIZE: "invalid sub button key size",
    INVALID_SUB_BUTTON_URL_SIZE: "invalid sub button url size",
    INVALID_CODE: "invalid code",
    INVALID_OPENID_LIST_SIZE: "invalid openid list size",
    INVALID_TEMPLATE_ID: "invalid template_id",
    INVALID_SUB_BUTTON_URL_DOMAIN: "invalid sub button url domain",
    INVALID_BUTTON_URL_DOMAIN: "invalid button url domain",
    INVALID_ARGS: "invalid args",
    UNSUPPORTED_FILE_TYPE: "unsupported file type",
    INVALID_APPSECRET: "invalid appsecret",
    MASS_OPENID_LIST_SIZE: "invalid openid list size, at least two openid",
    CODE_BEEN_USED: "code been used",
    ACCESS_TOKEN_MISSING: "access_token missing",
    APPID_MISSING: "appid missing",
    APPSECRET_MISSING: "appsecret missing",
    MEDIA_DATA_MISSING: "media data missing",
    CODE_MISSING: "missing code",
    ACCESS_TOKEN_EXPIRED: "access_token expired",
    REQUIRE_GET: "require GET method",
    REQUIRE_POST: "require POST method",
    REQUIRE_SUBSCRIBE: "require subscribe",
    USER_REFUSE: "user refuse to accept the msg",
    EMPTY_POST_DATA: "empty post data",
    EMPTY_NEWS_DATA: "empty news data",
    EMPTY_CONTENT: "empty content",
    CONTENT_SIZE_OUT_OF_LIMIT: "content size out of limit",
    TITLE_SIZE_OUT_OF_LIMIT: "title size out of limit",
    DESCRIPTION_SIZE_OUT_OF_LIMIT: "description size out of limit",
    ARTICLE_SIZE_OUT_OF_LIMIT: "article size out of limit",
    API_DAILY_QUOTA: "reach max api daily quota limit",
    API_MINUTE_QUOTA: "api minute-quota reach limit  mustslower  retry next minute",
    RESPONSE_OUT_OF_TIME: "response out of time limit or subscription is canceled",
    NO_MASSSEND_QUOTA: "has no masssend quota",
    OUT_OF_RESPONSE_COUNT: "out of response count limit",
    TOO_MANY_TAGS: "too many tags now, no more than 100",
    CANNOT_MODIFY_SYS_TAG: "can't modify sys tag",
    TOO_MANY_TAGS_ON_USER: "the user has too many tags, no more than 20",
    CLIENTMSGID_EXIST: "clientmsgid exist",
    AUTHOR_SIZE_OUT_OF_LIMIT: "author size out of limit",
    TAG_NAME_EXISTS: "tag name already exists",
    TAG_NAME_TOO_LONG: "tag name too long",
    INVALID_TAG_ID: "invalid tag id",
    MENU_NOT_EXIST: "menu no exist",
    DATA_FORMAT_ERROR: "data format error",
    ARGUMENT_INVALID: "argument invalid!",
    API_UNAUTHORIZED: "api unauthorized",
}

# access_token
TOKEN_OVERLAP_SECONDS: Final = 300  # an old token still works this long after a new fetch
STABLE_RENEW_BEFORE_SECONDS: Final = 300  # stable_token hands out a new token in the last 5 min
FORCE_REFRESH_PER_DAY: Final = 20
FORCE_REFRESH_MIN_INTERVAL: Final = 30.0

# customer-service window: a member message opens 48 h / 5 messages; an event 1 min / 3.
CS_MESSAGE_WINDOW_SECONDS: Final = 48 * 3600
CS_MESSAGE_LIMIT: Final = 5
CS_EVENT_WINDOW_SECONDS: Final = 60
CS_EVENT_LIMIT: Final = 3
CS_TEXT_MAX_BYTES: Final = 2048

# template / subscribe notifications (rules since 2023-05-04)
TEMPLATE_VALUE_MAX_CHARS: Final = 20

# mass send
MASS_PER_FOLLOWER_PER_MONTH: Final = 4
SUBSCRIPTION_MASS_PER_DAY: Final = 1
MASS_REQUESTS_PER_MINUTE: Final = 60
CLIENTMSGID_TTL_SECONDS: Final = 24 * 3600
MASS_OPENIDS_MIN: Final = 2
MASS_OPENIDS_MAX: Final = 10000

# drafts
DRAFT_MAX_ARTICLES: Final = 8
ARTICLE_TITLE_MAX_CHARS: Final = 64
ARTICLE_AUTHOR_MAX_CHARS: Final = 16
ARTICLE_DIGEST_MAX_CHARS: Final = 120
ARTICLE_CONTENT_MAX_CHARS: Final = 20000
IMAGE_MAX_BYTES: Final = 10 * 1024 * 1024
ARTICLE_IMAGE_MAX_BYTES: Final = 1024 * 1024  # media/uploadimg: an image inside an article

# menu
MENU_MAX_TOP: Final = 3
MENU_MAX_SUB: Final = 5
MENU_TOP_NAME_MAX_BYTES: Final = 16
MENU_SUB_NAME_MAX_BYTES: Final = 60
MENU_KEY_MAX_BYTES: Final = 128
MENU_URL_MAX_BYTES: Final = 1024

# users and tags
USER_GET_PAGE_SIZE: Final = 10000
USER_BATCHGET_MAX: Final = 100
TAG_BATCH_MAX: Final = 50
TAG_NAME_MAX_BYTES: Final = 30
TAGS_MAX: Final = 100
TAGS_PER_USER_MAX: Final = 20
FIRST_TAG_ID: Final = 100  # ids below are WeChat's reserved tags (2 is 星标组)

# OAuth
OAUTH_CODE_TTL_SECONDS: Final = 300
OAUTH_SCOPES: Final = frozenset({"snsapi_base", "snsapi_userinfo"})

# Daily call quotas WeChat applies by default; tests lower them through Faults.daily_quotas.
DEFAULT_DAILY_QUOTAS: Final[dict[str, int]] = {
    "/cgi-bin/token": 2000,
    "/cgi-bin/stable_token": 500000,
    "/cgi-bin/message/custom/send": 500000,
    "/cgi-bin/message/template/send": 100000,
    "/cgi-bin/message/mass/preview": 100,
    "/cgi-bin/menu/create": 1000,
    "/cgi-bin/menu/get": 10000,
    "/cgi-bin/menu/delete": 1000,
    "/cgi-bin/user/info": 5000000,
    "/cgi-bin/user/get": 1000,
    "/cgi-bin/ticket/getticket": 1000000,
}


def errmsg(code: int) -> str:
    """Return WeChat's message text for an errcode."""
    return ERRMSG.get(code, "unknown error")


def china_time(ts: float) -> datetime:
    """Return the China-time datetime of a Unix timestamp."""
    return datetime.fromtimestamp(ts, UTC).astimezone(CHINA_TZ)


def china_day(ts: float) -> str:
    """Return the China calendar day (YYYY-MM-DD) a timestamp falls on."""
    return china_time(ts).strftime("%Y-%m-%d")


def china_month(ts: float) -> str:
    """Return the China calendar month (YYYY-MM) a timestamp falls on."""
    return china_time(ts).strftime("%Y-%m")
