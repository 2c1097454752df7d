"""Callback signatures and the AES message encryption of WeChat's safe mode."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct

from wechatpy.crypto.base import WeChatCipher

_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """Ciphertext that does not decrypt to a well-formed WeChat message."""


class AppIdMismatch(CryptoError):
    """The message decrypted, but it was encrypted for another account."""


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: hex SHA-1 of the sorted parts joined without a separator."""
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()


def signature_matches(given: str | None, *parts: str) -> bool:
    """Compare a received signature in constant time; a missing one never matches."""
    if not given:
        return False
    return hmac.compare_digest(
        sha1_signature(*parts).encode(), given.lower().encode("ascii", "replace")
    )


class MessageCrypto:
    """Encrypt and decrypt message bodies for one account (token, EncodingAESKey, appid)."""

    def __init__(self, *, token: str, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.token = token
        self.app_id = app_id
        # Built once: each call takes a fresh encryptor or decryptor from it.
        self._cipher = WeChatCipher(self.key)

    def encrypt(self, plaintext: str, *, random_prefix: bytes | None = None) -> str:
        """Return base64(AES-CBC(random16 ‖ len ‖ msg ‖ appid)); the prefix comes from `secrets`."""
        prefix = random_prefix if random_prefix is not None else secrets.token_bytes(16)
        body = plaintext.encode()
        raw = prefix + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = _BLOCK - len(raw) % _BLOCK
        raw += bytes([pad]) * pad
        return base64.b64encode(self._cipher.encrypt(raw)).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt and check padding, framing and the trailing appid; raise CryptoError."""
        try:
            data = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("Encrypt is not valid base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("Encrypt has a bad length")
        raw = self._cipher.decrypt(data)
        pad = raw[-1]
        if not 1 <= pad <= _BLOCK or raw[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        content = raw[16:-pad]
        if len(content) < 4:
            raise CryptoError("truncated message")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise CryptoError("message length exceeds ciphertext")
        message, app_id = content[4 : 4 + length], content[4 + length :]
        if not hmac.compare_digest(app_id, self.app_id.encode()):
            raise AppIdMismatch("message is for another appid")
        try:
            return str(message.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CryptoError("decrypted message is not UTF-8") from exc

    def reply_envelope(self, plaintext: str, *, nonce: str, timestamp: str) -> str:
        """Wrap a plaintext reply as the encrypted, signed XML that safe mode expects."""
        encrypted = self.encrypt(plaintext)
        signature = sha1_signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp>"
            f"<Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
