"""The broadcast senders' transport over TLS, as WeChat's API is served: the certificate is
checked (an unknown one refuses to connect, so nothing was sent), and a trusted one carries
requests on one kept-alive connection."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.wechat.http11 import Http11Transport
from tests.support.certificates import self_signed

ANSWER = b'{"errcode":0,"errmsg":"ok","msgid":1}'


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path, list[int]]]:
    """An HTTPS server answering every request with ANSWER; yields its URL, its certificate
    and the number of requests each connection carried."""
    cert_path, key_path = self_signed(tmp_path / "certs", host="127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    per_connection: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        per_connection.append(0)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                per_connection[-1] += 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"https://127.0.0.1:{port}", cert_path, per_connection


async def test_a_trusted_certificate_carries_requests_on_one_connection(tls_server):
    url, cert_path, per_connection = tls_server
    trusted = ssl.create_default_context(cafile=str(cert_path))
    async with httpx.AsyncClient(transport=Http11Transport(1, ssl_context=trusted)) as http:
        for _ in range(3):
            response = await http.post(f"{url}/cgi-bin/message/template/send", json={"a": 1})
            assert response.status_code == 200 and response.json()["errcode"] == 0
    assert per_connection == [3]


async def test_an_unknown_certificate_is_refused_before_anything_is_sent(tls_server):
    url, _, per_connection = tls_server
    async with httpx.AsyncClient(transport=Http11Transport(1)) as http:  # the system's CAs
        with pytest.raises(httpx.ConnectError):
            await http.post(f"{url}/cgi-bin/message/template/send", json={"a": 1})
    assert sum(per_connection) == 0
