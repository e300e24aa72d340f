"""Where holds are written to SQL: a writer process fed through a pipe, or a worker thread.

A case write is a dozen SQL calls, and a worker thread gets the GIL back after each of them only when
the event loop's thread yields it: under load a 3 ms write took 30 ms (the scoring path keeps that
thread busy). The writer process has its own interpreter, so a hold waits only for the SQL; it also
commits every draft waiting in the pipe in one transaction.

Pipe protocol, both ways: frames of an 8-byte sequence number, a 4-byte length and a body. The first
frame to the writer carries its settings (JSON); then each body is a case draft (JSON), and each answer
is b"1" (committed) or b"0" (failed; the draft goes to the outbox).
"""

import asyncio
import contextlib
import logging
import os
import select
import signal
import struct
import sys
from collections.abc import Callable
from typing import Protocol

import anyio
import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases import service
from screening.cases.schemas import CaseDraft, CaseStatus
from screening.db import Database
from screening.errors import Unavailable
from screening.logs import configure_logging
from screening.metrics import STORE_SECONDS

log = logging.getLogger("screening.cases")

_FRAME = struct.Struct(">QI")
# The writer answers the start with _COMMITTED, and each draft with the case's status after it (open,
# released, ...) or _FAILED.
_COMMITTED, _FAILED = b"1", b"0"
# Its imports take 2–3 s on a busy 2-core machine.
_START_TIMEOUT_S = 60.0


class CaseWriter(Protocol):
    """Commits a case draft to SQL; raises when it could not."""

    async def write(self, draft: CaseDraft) -> CaseStatus:
        """Commit one draft (an idempotent upsert); the case's status after it."""
        ...

    async def close(self) -> None:
        """Release what the writer holds."""
        ...


class WriteFailed(Exception):
    """The writer could not commit a draft (SQL refused it, or the writer process is gone)."""


class ThreadWriter:
    """Writes each draft in a worker thread of this process."""

    def __init__(self, *, db: Database, sla_hours: float) -> None:
        self.db = db
        self.sla_hours = sla_hours
        # One at a time, in the order asked (asyncio's lock is first come, first served): a batch's holds
        # are asked together, and the first of a ring founds it, as when they are scored one by one.
        self._turn = asyncio.Lock()

    async def write(self, draft: CaseDraft) -> CaseStatus:
        """Commit one draft from a worker thread (abandoned, not stopped, when the caller gives up)."""
        async with self._turn:
            return await anyio.to_thread.run_sync(self.upsert, draft, abandon_on_cancel=True)

    def upsert(self, draft: CaseDraft) -> CaseStatus:
        """Commit one draft in this thread; the case's status after it."""
        return self.db.write_sync(lambda s: service.upsert_case(s, draft=draft, sla_hours=self.sla_hours))

    async def close(self) -> None:
        """Nothing to release: the database belongs to the desk."""


class ProcessWriter:
    """Writes drafts in a child process (`python -m screening.cases.writer`), started with the worker.

    Until the child has started (its imports take seconds) and after it dies, drafts go to the fallback.
    """

    def __init__(self, *, url: str, timeout_s: float, sla_hours: float, fallback: CaseWriter) -> None:
        self._settings = orjson.dumps({"url": url, "timeout_s": timeout_s, "sla_hours": sla_hours})
        self.fallback = fallback
        self._process: asyncio.subprocess.Process | None = None
        self._ready = False
        self._starting: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._pending: dict[int, asyncio.Future[CaseStatus | None]] = {}
        self._sequence = 0

    @property
    def pid(self) -> int | None:
        """The writer process's pid once it answers."""
        return self._process.pid if self._process is not None and self._ready else None

    async def write(self, draft: CaseDraft) -> CaseStatus:
        """Send one draft and wait for the writer's answer (the fallback's, while there is no writer)."""
        process = self._process
        if process is None or not self._ready or process.stdin is None:
            self.start()
            return await self.fallback.write(draft)
        self._sequence += 1
        sequence = self._sequence
        answer: asyncio.Future[CaseStatus | None] = asyncio.get_running_loop().create_future()
        self._pending[sequence] = answer
        body = draft.model_dump_json().encode()
        try:
            # An SQL write as the hold waits for it: the child's commit and the pipe both ways.
            with STORE_SECONDS.labels("sql", "write").time():
                process.stdin.write(_FRAME.pack(sequence, len(body)) + body)
                await process.stdin.drain()
                status = await answer
            if status is None:
                raise WriteFailed(f"the case writer did not commit {draft.case_id}")
            return status
        finally:
            self._pending.pop(sequence, None)

    def start(self) -> None:
        """Start the writer in the background, unless it runs, is starting or the writer is closing."""
        if not self._ready and not self._closing and (self._starting is None or self._starting.done()):
            self._starting = asyncio.create_task(self._start(), name="case-writer-start")

    async def started(self) -> bool:
        """Start the writer now and wait until it answers; whether it did."""
        self.start()
        if self._starting is not None:
            await self._starting
        return self._ready

    async def close(self) -> None:
        """Close the pipe (the writer answers what it has and exits); kill it if it does not."""
        self._closing = True
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            await self._reader

    async def _start(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "screening.cases.writer",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        try:
            process.stdin.write(_FRAME.pack(0, len(self._settings)) + self._settings)
            async with asyncio.timeout(_START_TIMEOUT_S):
                _, size = _FRAME.unpack(await process.stdout.readexactly(_FRAME.size))
                await process.stdout.readexactly(size)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            log.error("the case writer process did not start; holds are written from a thread")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            return
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise
        self._ready = True
        self._reader = asyncio.create_task(self._answers(process), name="case-writer-answers")

    async def _answers(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while True:
                sequence, size = _FRAME.unpack(await process.stdout.readexactly(_FRAME.size))
                body = await process.stdout.readexactly(size)
                answer = self._pending.get(sequence)
                if answer is not None and not answer.done():
                    answer.set_result(None if body == _FAILED else body.decode())  # type: ignore[arg-type]
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._ready = False
            # The writer is gone: what it had not answered goes to the outbox; the next hold restarts it.
            for answer in self._pending.values():
                if not answer.done():
                    answer.set_result(None)
            if not self._closing:
                log.error("the case writer process %s exited (code %s)", process.pid, await process.wait())


# The writer process -------------------------------------------------------------------------------


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> tuple[int, bytes] | None:
    head = _read_exactly(fd, _FRAME.size)
    if head is None:
        return None
    sequence, size = _FRAME.unpack(head)
    body = _read_exactly(fd, size)
    return None if body is None else (sequence, body)


def _waiting(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def commit_group(
    drafts: list[tuple[int, CaseDraft]], upsert_all: Callable[[list[CaseDraft]], list[CaseStatus]]
) -> list[tuple[int, CaseStatus | None]]:
    """Commit drafts in one transaction; if that fails, one by one, so one bad draft fails alone.

    Each draft's answer is its case's status after it, None when it was not committed.
    """
    try:
        statuses = upsert_all([d for _, d in drafts])
        return [(seq, status) for (seq, _), status in zip(drafts, statuses, strict=True)]
    except (Unavailable, sa.exc.OperationalError, sa.exc.TimeoutError):
        # The database did not answer: one by one would wait the timeout once a draft.
        log.exception("%d case(s) could not be written: the case database did not answer", len(drafts))
        return [(seq, None) for seq, _ in drafts]
    except Exception:
        if len(drafts) == 1:
            log.exception("case %s could not be written to SQL", drafts[0][1].case_id)
            return [(drafts[0][0], None)]
    return [result for one in drafts for result in commit_group([one], upsert_all)]


def serve(stdin: int = 0, stdout: int = 1) -> None:
    """Read drafts until the pipe closes; commit what is waiting together, answer each."""
    first = _read_frame(stdin)
    if first is None:
        return
    settings = orjson.loads(first[1])
    db = Database.connect(settings["url"], timeout_s=settings["timeout_s"])
    sla_hours = settings["sla_hours"]
    os.write(stdout, _FRAME.pack(first[0], 1) + _COMMITTED)

    def upsert_all(drafts: list[CaseDraft]) -> list[CaseStatus]:
        def work(session: Session) -> list[CaseStatus]:
            return [service.upsert_case(session, draft=draft, sla_hours=sla_hours) for draft in drafts]

        return db.write_sync(work)

    try:
        while True:
            frame = _read_frame(stdin)
            if frame is None:
                return
            group = [frame]
            while _waiting(stdin) and (frame := _read_frame(stdin)) is not None:
                group.append(frame)
            drafts = []
            answers: list[tuple[int, CaseStatus | None]] = []
            for sequence, body in group:
                try:
                    drafts.append((sequence, CaseDraft.model_validate_json(body)))
                except ValueError:
                    log.exception("the case writer got a frame that is not a case draft")
                    answers.append((sequence, None))
            if drafts:
                answers += commit_group(drafts, upsert_all)
            out = b"".join(
                _FRAME.pack(seq, len(answer)) + answer
                for seq, answer in (
                    (seq, _FAILED if status is None else status.encode()) for seq, status in answers
                )
            )
            while out:
                out = out[os.write(stdout, out) :]
    finally:
        db.dispose()


if __name__ == "__main__":
    # The service stops the writer by closing the pipe, after its last hold: a Ctrl-C meant for the
    # service must not stop the writer first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(os.environ.get("SCREENING_LOG_LEVEL", "INFO"))
    with contextlib.suppress(BrokenPipeError):
        serve()
