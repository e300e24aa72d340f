"""This process's append-only journal: appends buffered in memory, group-committed with fsync by a thread."""

import contextlib
import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson

from screening.metrics import DECISION_LOG_LAG

log = logging.getLogger("screening.decisionlog")

T = TypeVar("T")
SUFFIX = ".jsonl"


def process_lag_s() -> float:
    """How long the oldest item that no open journal of this process has committed has waited (0: none)."""
    with _OPEN_LOCK:
        journals = list(_OPEN)
    return max((journal.lag_s() for journal in journals), default=0.0)


class Journal(Generic[T]):
    """JSON-lines segments named <pid>-<start ms>-<seq>.jsonl; the one being written is flock-ed.

    An unlocked segment is sealed (rotated, or left by a process that died) and may be compacted.
    """

    def __init__(
        self,
        directory: Path,
        *,
        encode: Callable[[T], dict[str, object]],
        commit_interval_s: float = 0.02,
        segment_max_s: float = 60.0,
        segment_max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.directory = directory
        self.commit_interval_s = commit_interval_s
        self.segment_max_s = segment_max_s
        self.segment_max_bytes = segment_max_bytes
        self.committed = 0
        self.dropped = 0
        self._encode = encode
        self._pending: list[T] = []
        self._oldest: float | None = None  # when the oldest pending item was queued (monotonic)
        self._pending_lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._stop = threading.Event()
        self._closed = False
        self._fd: int | None = None
        self._segment_started = 0.0
        self._segment_bytes = 0
        self._seq = 0
        self._prefix = f"{os.getpid()}-{time.time_ns() // 1_000_000}"
        directory.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="decision-journal", daemon=True)
        with _OPEN_LOCK:
            _OPEN.add(self)
        self._thread.start()

    def append(self, item: T) -> None:
        """Queue one item; the writer thread encodes and commits it within the commit interval."""
        if self._closed:
            raise RuntimeError("the decision journal is closed")
        with self._pending_lock:
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(item)

    def lag_s(self) -> float:
        """How long the oldest item not yet committed has waited (0 when none waits)."""
        with self._pending_lock:
            return 0.0 if self._oldest is None else time.monotonic() - self._oldest

    def flush(self) -> None:
        """Commit everything queued so far, now."""
        with self._io_lock:
            self._commit()

    def seal(self) -> None:
        """Commit, then close the current segment so that it can be compacted."""
        with self._io_lock:
            self._commit()
            self._close_segment()

    def close(self) -> None:
        """Stop the writer and commit everything: a clean stop loses nothing."""
        self._closed = True
        self._stop.set()
        self._thread.join()
        self.seal()
        with _OPEN_LOCK:
            _OPEN.discard(self)

    def _run(self) -> None:
        while not self._stop.wait(self.commit_interval_s):
            try:
                with self._io_lock:
                    self._commit()
                    DECISION_LOG_LAG.set(process_lag_s())
                    if (
                        self._fd is not None
                        and time.monotonic() - self._segment_started >= self.segment_max_s
                    ):
                        self._close_segment()
            except Exception:
                # A full or failing disk must not kill the writer: what is queued stays queued, retried
                # at the next commit.
                log.exception("decision journal commit failed")

    def _commit(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
            oldest, self._oldest = self._oldest, None
        if not batch:
            return
        lines = []
        for item in batch:
            try:
                lines.append(orjson.dumps(self._encode(item)) + b"\n")
            except Exception:
                self.dropped += 1
                log.exception("a decision could not be encoded for the journal")
        data = b"".join(lines)
        try:
            fd = self._segment()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fdatasync(fd)
        except BaseException:
            with self._pending_lock:
                self._pending[:0] = batch
                self._oldest = oldest
            raise
        self._segment_bytes += len(data)
        self.committed += len(lines)
        if self._segment_bytes >= self.segment_max_bytes:
            self._close_segment()

    def _segment(self) -> int:
        if self._fd is None:
            self._seq += 1
            path = self.directory / f"{self._prefix}-{self._seq:06d}{SUFFIX}"
            # Created under a hidden name and locked before it takes its own: compaction takes a segment it
            # can lock for sealed, and once took a new, empty one in the instant before its lock and
            # deleted it, so that what was written next went into a removed file.
            hidden = path.with_name("." + path.name)
            fd = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.rename(hidden, path)
                _sync_directory(self.directory)
            except BaseException:
                os.close(fd)  # the commit is retried with a new segment: leave no lock or hidden file
                with contextlib.suppress(FileNotFoundError):
                    hidden.unlink()
                raise
            self._fd, self._segment_started, self._segment_bytes = fd, time.monotonic(), 0
        return self._fd

    def _close_segment(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the flock: the segment is sealed
            self._fd = None


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def sealed_segment(path: Path) -> Iterator[bool]:
    """Hold a journal segment for compaction; yields False when a live writer has it (or it is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        # Another compactor may have finished it and removed it between our open and our lock.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        yield same
    finally:
        os.close(fd)


def read_segment(path: Path) -> tuple[bytes, int]:
    """The complete lines of a segment and how many bytes of a torn last line were left out."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    return data[:end], len(data) - end


def segments(directory: Path) -> list[Path]:
    """Journal segments in the order they were written (per process)."""
    if not directory.exists():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))


# The journals of this process not yet closed: one in a serving process, but tests start many apps in one
# process, and the lag gauge is the process's. Set from one journal's lag alone, a journal committing
# as usual hid the lag of another that could not commit.
_OPEN: weakref.WeakSet[Journal[Any]] = weakref.WeakSet()
# A set read in one thread while another adds to it raises: the writers and /metrics read it, apps add.
_OPEN_LOCK = threading.Lock()
