"""The callback's XML reading gives exactly what wechatpy's own parse_message would."""

from __future__ import annotations

import pytest
from wechatpy import parse_message

from app.wechat.inbound import CallbackQuery, Rejected, read_message

_HEAD = (
    "<ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
    "<FromUserName><![CDATA[oKwNh8ZXf0m31euwV55EPn38I6J6]]></FromUserName>"
    "<CreateTime>1796647235</CreateTime>"
)


def _event(event: str, rest: str = "") -> str:
    return f"<xml>{_HEAD}<MsgType><![CDATA[event]]></MsgType><Event>{event}</Event>{rest}</xml>"


def _message(kind: str, rest: str) -> str:
    return f"<xml>{_HEAD}<MsgType><![CDATA[{kind}]]></MsgType>{rest}<MsgId>1234</MsgId></xml>"


# Every kind the account meets, with the nested and repeated fields some of them carry.
CORPUS = [
    _message("text", "<Content><![CDATA[  学习心得：两个空格  ]]></Content>"),
    _message("text", "<Content><![CDATA[a &amp; b <c>]]></Content>"),
    _message("text", "<Content>a &amp; b &lt;c&gt;</Content>"),
    _message("text", "<Content></Content>"),
    _message("image", "<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId>m1</MediaId>"),
    _message("voice", "<MediaId>m</MediaId><Format>amr</Format><Recognition>你好</Recognition>"),
    _message("video", "<MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId>"),
    _message("location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>"),
    _message("link", "<Title>题</Title><Description>述</Description><Url>http://x</Url>"),
    _message("file", "<Title>a.pdf</Title><FileKey>k</FileKey>"),
    _message("miniprogrampage", "<Title>t</Title><AppId>wx1</AppId>"),
    _message("device_text", "<DeviceType>d</DeviceType>"),
    _event("subscribe"),
    _event("subscribe", "<EventKey><![CDATA[qrscene_bind:42]]></EventKey><Ticket>t</Ticket>"),
    _event("subscribe", "<EventKey><![CDATA[scanbarcode|x]]></EventKey>"),
    _event("unsubscribe"),
    _event("SCAN", "<EventKey>bind:42</EventKey><Ticket>t</Ticket>"),
    _event("LOCATION", "<Latitude>23.1</Latitude><Longitude>113.3</Longitude>"),
    _event("CLICK", "<EventKey><![CDATA[STUDY_CHECKIN]]></EventKey>"),
    _event("VIEW", "<EventKey><![CDATA[https://x/m/me]]></EventKey><MenuId>1</MenuId>"),
    _event(
        "scancode_waitmsg",
        "<EventKey>k</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType>"
        "<ScanResult>r</ScanResult></ScanCodeInfo>",
    ),
    _event(
        "pic_sysphoto",
        "<EventKey>k</EventKey><SendPicsInfo><Count>2</Count><PicList>"
        "<item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item>"
        "</PicList></SendPicsInfo>",
    ),
    _event("TEMPLATESENDJOBFINISH", "<MsgID>7</MsgID><Status><![CDATA[success]]></Status>"),
    _event("MASSSENDJOBFINISH", "<MsgID>8</MsgID><TotalCount>3</TotalCount>"),
    _event("somethingnew", "<Extra a='1'>x</Extra>\n  "),
    _message("somethingnew", "<Odd>  \n  </Odd><Odd>2</Odd><Odd>3</Odd>"),
]


@pytest.mark.parametrize("xml", CORPUS)
def test_same_class_and_fields_as_wechatpy(xml: str) -> None:
    theirs = parse_message(xml)
    ours = read_message(xml.encode(), CallbackQuery(), crypto=None, mode="plain").message
    assert type(ours) is type(theirs)
    assert ours._data == theirs._data
    assert ours.type == theirs.type and ours.source == theirs.source


def test_nested_beyond_the_stack_is_a_bad_request() -> None:
    deep = "<a>" * 5000 + "</a>" * 5000
    with pytest.raises(Rejected) as raised:
        read_message(_message("text", deep).encode(), CallbackQuery(), crypto=None, mode="plain")
    assert raised.value.status == 400
