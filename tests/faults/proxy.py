"""A TCP proxy on a free loopback port that a test can cut (refuse), stall (black hole) and restore."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal

Mode = Literal["pass", "refuse", "stall"]


class CuttableProxy:
    """Forwards 127.0.0.1:port to a target; refuse drops every connection, stall accepts and sends nothing."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode: Mode = "pass"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="cuttable-proxy", daemon=True)

    def start(self) -> "CuttableProxy":
        """Listen on a free port (self.port) in a background thread."""
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop
        ).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def set(self, mode: Mode) -> None:
        """Change mode; cutting or stalling also drops every open connection."""
        self.mode = mode
        if mode != "pass":
            asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result(5)

    def stop(self) -> None:
        """Close everything, the thread and its loop."""
        self.set("refuse")
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _drop_all(self) -> None:
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "refuse":
            writer.transport.abort()
            return
        self._writers.add(writer)
        if self.mode == "stall":
            return  # held open, never answered, until the mode changes
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if self.mode != "pass":
                    break
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._writers.discard(writer)


@contextmanager
def cuttable(target_port: int) -> Iterator[CuttableProxy]:
    """A started proxy to target_port, stopped at the end."""
    proxy = CuttableProxy(target_port).start()
    try:
        yield proxy
    finally:
        proxy.stop()
