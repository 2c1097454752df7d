"""Turn a raw callback request into a verified, decrypted, parsed WeChat message."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # a DTD is refused before any parsing (_decode)
from dataclasses import dataclass
from typing import Any, Literal

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage

from app.wechat.crypto import AppIdMismatch, CryptoError, MessageCrypto, signature_matches

# WeChat never sends a DTD; refusing one outright closes XXE and entity expansion for good.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_MAX_TIME_DIGITS = 10  # Unix seconds until the year 2286
# Longest accepted, as stored (app/models/messages.py): longer is refused, never cut.
_MAX_LENGTHS = {"ToUserName": 64, "FromUserName": 64, "MsgId": 32, "MsgID": 32}
_NUMERIC = {"CreateTime": _MAX_TIME_DIGITS, "MsgId": 32, "MsgID": 32}


class Rejected(Exception):
    """A callback we refuse: the HTTP status, a one-line reason, and a metrics label."""

    def __init__(self, status: int, reason: str, label: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.label = label


@dataclass(frozen=True, slots=True)
class CallbackQuery:
    """The query string WeChat signs each callback with."""

    signature: str | None = None
    timestamp: str | None = None
    nonce: str | None = None
    echostr: str | None = None
    encrypt_type: str | None = None
    msg_signature: str | None = None

    @property
    def encrypted(self) -> bool:
        """True when WeChat sent the message in safe or compatible mode."""
        return (self.encrypt_type or "").lower() == "aes"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A verified message: wechatpy's parsed object and the raw fields it came from."""

    message: BaseMessage
    fields: dict[str, Any]
    encrypted: bool


def check_query(query: CallbackQuery, *, token: str, now: float, tolerance: int) -> None:
    """Verify the URL signature and that the timestamp is recent enough to not be a replay."""
    if not signature_matches(query.signature, token, query.timestamp or "", query.nonce or ""):
        raise Rejected(403, "invalid signature", "bad_signature")
    # ASCII digits of a sane length: int() takes "１２３" and 400 digits overflow the float below.
    if not _number(query.timestamp, _MAX_TIME_DIGITS):
        raise Rejected(400, "invalid timestamp", "bad_timestamp")
    sent = int(query.timestamp or "")
    if abs(now - sent) > tolerance:
        raise Rejected(403, "timestamp outside the accepted window", "stale_timestamp")


def _xml_dict(text: str) -> dict[str, Any]:
    """Parse a WeChat `<xml>` document into the dict xmltodict (and so wechatpy) would give;
    400 on anything malformed. ElementTree's C parser takes a third of xmltodict's time."""
    try:
        # _decode refused any DTD: no entity can be declared, none expanded. (defusedxml, with
        # its parser object per call, would cost 2.5 times as much for the same guarantee.)
        root = ET.fromstring(text)  # noqa: S314
        doc = _value(root) if root.tag == "xml" else None
    except ET.ParseError as exc:
        raise Rejected(
            400, f"malformed XML: {str(exc).splitlines()[0][:80]}", "malformed"
        ) from None
    except RecursionError:
        raise Rejected(400, "malformed XML: nested too deeply", "malformed") from None
    if not isinstance(doc, dict):
        raise Rejected(
            400, "malformed XML: the root element must be <xml> with children", "malformed"
        )
    return doc


def _value(element: ET.Element) -> Any:
    """An element as xmltodict gives it: its text stripped (None when empty), or a dict of its
    attributes (as "@name"), children (repeated ones as a list) and text (as "#text")."""
    text = "".join([element.text or "", *(child.tail or "" for child in element)]).strip()
    if not len(element) and not element.attrib:
        return text or None
    item: dict[str, Any] = {f"@{name}": value for name, value in element.attrib.items()}
    for child in element:
        value = _value(child)
        known = item.get(child.tag, _ABSENT)
        if known is _ABSENT:
            item[child.tag] = value
        elif isinstance(known, list):
            known.append(value)
        else:
            item[child.tag] = [known, value]
    if text:
        item["#text"] = text
    return item


_ABSENT = object()


def _message(fields: dict[str, Any]) -> BaseMessage:
    """wechatpy's message or event class for these fields, chosen as its parse_message does
    (which would parse the XML once more): subscribe events by their scene, device_ kinds."""
    message_type = fields["MsgType"].lower()
    if message_type != "event" and not message_type.startswith("device_"):
        return MESSAGE_TYPES.get(message_type, UnknownMessage)(fields)
    event_type = fields["Event"].lower() if "Event" in fields else None
    if event_type is None and message_type.startswith("device_"):
        event_type = message_type
    elif message_type.startswith("device_"):
        event_type = f"device_{event_type}"
    if event_type == "subscribe" and fields.get("EventKey"):
        event_key = fields["EventKey"]
        if event_key.startswith(("scanbarcode|", "scanimage|")):
            event_type = fields["Event"] = "subscribe_scan_product"
        elif event_key.startswith("qrscene_"):
            event_type = fields["Event"] = "subscribe_scan"
            fields["EventKey"] = event_key[len("qrscene_") :]
    return EVENT_TYPES.get(event_type, UnknownMessage)(fields)


def _decode(body: bytes) -> str:
    """Decode strictly as UTF-8, refusing DTDs before any parser sees them."""
    if _DTD.search(body):
        raise Rejected(400, "DTD and entity declarations are not accepted", "dtd")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not valid UTF-8", "bad_encoding") from None


def read_message(
    body: bytes,
    query: CallbackQuery,
    *,
    crypto: MessageCrypto | None,
    mode: Literal["plain", "compatible", "safe"],
) -> InboundMessage:
    """Decrypt (safe/compatible mode) and parse a callback body; raise Rejected on bad input."""
    text = _decode(body)
    if query.encrypted:
        if crypto is None:
            raise Rejected(
                400, "encrypted message but no EncodingAESKey is configured", "no_aes_key"
            )
        outer = _xml_dict(text)
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise Rejected(400, "encrypted message without <Encrypt>", "malformed")
        parts = (crypto.token, query.timestamp or "", query.nonce or "", encrypt)
        if not signature_matches(query.msg_signature, *parts):
            raise Rejected(403, "invalid msg_signature", "bad_signature")
        try:
            plain = crypto.decrypt(encrypt)
        except AppIdMismatch:
            raise Rejected(403, "message is encrypted for another appid", "bad_appid") from None
        except CryptoError as exc:
            raise Rejected(400, f"cannot decrypt: {exc}", "decrypt_failed") from None
        text = _decode(plain.encode())
    elif mode == "safe":
        raise Rejected(403, "plaintext messages are refused in safe mode", "plaintext_refused")

    fields = _xml_dict(text)
    _check_fields(fields)
    try:
        message = _message(fields)
    except (KeyError, AttributeError, ValueError, TypeError):  # well-formed, yet not a message
        raise Rejected(400, "malformed message", "malformed") from None
    return InboundMessage(message=message, fields=fields, encrypted=query.encrypted)


def _check_fields(fields: dict[str, Any]) -> None:
    """Every message names sender, account, time and type exactly once."""
    for name in _REQUIRED_FIELDS:
        if not isinstance(fields.get(name), str) or not fields[name]:
            problem = "repeated" if isinstance(fields.get(name), list) else "missing"
            raise Rejected(400, f"malformed message: {problem} {name}", "malformed")
    for name, longest in _MAX_LENGTHS.items():
        value = fields.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > longest):
            raise Rejected(400, f"malformed message: {name} longer than {longest}", "malformed")
    for name, digits in _NUMERIC.items():
        value = fields.get(name)
        if value is not None and not _number(value, digits):
            raise Rejected(400, f"malformed message: {name} is not a number", "malformed")


def _number(value: object, digits: int) -> bool:
    """ASCII digits only (isdigit() also passes "１２" and "²"), at most `digits` of them."""
    return isinstance(value, str) and len(value) <= digits and bool(_ASCII_DIGITS.fullmatch(value))
