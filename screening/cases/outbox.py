"""The durable path for holds when SQL is down or slow: an append-only, fsynced file of case drafts.

A hold's draft is appended (and fsynced) before the hold is answered; so is the note a corrected,
no longer held body leaves on such a case. Replay claims the file by renaming it, writes each record
into SQL in the order written (idempotent), and deletes it only when every record is in; a crash at
any point leaves a file that the next replay (or start) takes up again.
"""

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from screening.cases.schemas import CaseDraft, NotHeldNote

OutboxRecord = NotHeldNote | CaseDraft
# A note has kind "not_held", a draft no kind at all: each line is one or the other.
_RECORD: TypeAdapter[OutboxRecord] = TypeAdapter(OutboxRecord)

log = logging.getLogger("screening.cases")

NAME = "cases-outbox.jsonl"
CLAIMED = "cases-outbox.*.claimed.jsonl"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Outbox:
    """Case drafts (and notes on them) waiting for SQL, in a directory of the data dir."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / NAME
        self._lock = threading.Lock()
        self._claims = 0

    def append(self, record: OutboxRecord) -> None:
        """Write one record durably (fsync of the file, and of the directory when the file is new)."""
        line = record.model_dump_json().encode() + b"\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            with self.path.open("ab") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
            if new:
                _fsync_dir(self.directory)

    def claim(self) -> list[Path]:
        """Files to replay, oldest first: claims left by a failure or a crash, then the current file."""
        with self._lock:
            if self.path.exists() and self.path.stat().st_size > 0:
                self._claims += 1
                stamp = f"{time.time_ns():020d}-{self._claims:06d}"
                self.path.rename(self.directory / f"cases-outbox.{stamp}.claimed.jsonl")
                _fsync_dir(self.directory)
        return sorted(self.directory.glob(CLAIMED)) if self.directory.exists() else []

    @staticmethod
    def read(path: Path) -> Iterator[OutboxRecord]:
        """The records of one file (a torn last line from a crash is skipped: it was never acknowledged)."""
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield _RECORD.validate_json(line)
            except ValidationError:
                log.warning("outbox %s line %d is not a case draft or note; skipped", path.name, number)

    def done(self, path: Path) -> None:
        """Forget a claimed file once every draft in it is in SQL."""
        with suppress(FileNotFoundError):
            path.unlink()
        _fsync_dir(self.directory)

    def waiting(self) -> list[CaseDraft]:
        """Every draft not yet replayed, in the order written."""
        with self._lock:
            files = sorted(self.directory.glob(CLAIMED)) if self.directory.exists() else []
            if self.path.exists():
                files.append(self.path)
            return [d for f in files for d in self.read(f) if isinstance(d, CaseDraft)]
