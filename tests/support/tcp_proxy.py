"""A TCP proxy the tests can cut, to make the database go away and come back."""

from __future__ import annotations

import asyncio
import contextlib
import struct

SSL_REQUEST = 80877103  # the code of PostgreSQL's SSLRequest message


def starting_up_error() -> bytes:
    """The ErrorResponse a PostgreSQL that is still starting sends to a new connection."""
    fields = [b"SFATAL", b"VFATAL", b"C57P03", b"Mthe database system is starting up"]
    body = b"".join(f + b"\0" for f in fields) + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `stop()` refuses and severs, `start()` restores."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.starting_up = False  # answer new connections as a PostgreSQL still starting

    async def start(self) -> None:
        self.starting_up = False
        if self._server is not None:
            return  # it was restarting: new connections are forwarded again
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def restarting(self) -> None:
        """Sever every connection and refuse new ones as a restarting PostgreSQL does (57P03)."""
        self.starting_up = True
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _refuse_as_starting(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(Exception):
            (length,) = struct.unpack("!I", await reader.readexactly(4))
            message = await reader.readexactly(length - 4)
            if struct.unpack("!I", message[:4])[0] == SSL_REQUEST:
                writer.write(b"N")  # no TLS; the startup message follows
                (length,) = struct.unpack("!I", await reader.readexactly(4))
                await reader.readexactly(length - 4)
            writer.write(starting_up_error())
            await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.starting_up:
            await self._refuse_as_starting(reader, writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}
