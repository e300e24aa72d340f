"""Registries kept in process and persisted as CSV, and CSV rows validated into their entries."""

import contextlib
import csv
import fcntl
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from screening.errors import InvalidInput

log = logging.getLogger(__name__)
Entry = TypeVar("Entry", bound=BaseModel)


def parse_csv_entries(
    text: str, model: type[Entry], fields: Callable[[dict[str, Any]], dict[str, object]]
) -> list[Entry]:
    """Entries from CSV text, one a row made by fields from its cells; bad rows named by line."""
    out: list[Entry] = []
    problems: list[dict[str, object]] = []
    if not text.strip():
        return []  # an empty file: no entries (and no header to check)
    reader = csv.DictReader(io.StringIO(text))
    # A file without its header row would give its first row as the header, and nothing at all.
    columns = {name.strip() for name in reader.fieldnames or ()}
    missing = [name for name, f in model.model_fields.items() if f.is_required() and name not in columns]
    if missing:
        raise InvalidInput(
            [
                {"loc": ["csv", 1, name], "msg": "the header row lacks this column", "type": "csv_header"}
                for name in missing
            ]
        )
    for row in reader:
        line = reader.line_num  # the file's line, blank lines (which DictReader skips) counted
        if None in row:  # DictReader puts cells beyond the header under the key None
            problems.append({"loc": ["csv", line], "msg": "more cells than the header", "type": "csv_row"})
            continue
        # A short row's missing cells come as None: empty, so the model names what is required.
        raw = fields({k.strip(): v or "" for k, v in row.items() if k})
        try:
            out.append(model.model_validate(raw))
        except ValidationError as exc:
            problems.extend(
                {"loc": ["csv", line, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
            )
    if problems:
        raise InvalidInput(problems)
    return out


class CsvRegistry(Generic[Entry]):
    """Entries by id, kept in a CSV file that every worker process of the data dir shares: a change made
    through one worker is read by the others at their next look (and a restart keeps it)."""

    FIELDS: tuple[str, ...]

    def __init__(
        self, path: Path | None, *, parse: Callable[[str], list[Entry]], key: Callable[[Entry], str]
    ) -> None:
        self._path = path
        self._parse = parse
        self._key = key
        self._by_id: dict[str, Entry] = {}
        # The file as last read (inode, size, mtime): a save replaces the file, so another inode.
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        # A file that does not parse at start refuses the start (InvalidInput names its lines).
        self._read_if_changed(strict=True)

    def upsert(self, entries: Iterable[Entry], *, replace: bool = True) -> int:
        """Add or replace entries (replace=False: add only those not there yet); returns how many."""
        with self._lock, self._file_lock():
            # Merged into the file as it is now: another worker's upsert since our last read is kept.
            self._read_if_changed()
            count = 0
            for entry in entries:
                key = self._key(entry)
                if replace or key not in self._by_id:
                    self._by_id[key] = entry
                count += 1
            if self._path is not None:
                self._save()
                self._seen = self._stamp()
        return count

    def _refresh(self) -> None:
        """Read the file again if another process has saved it since (one stat when it has not)."""
        if self._path is not None and self._stamp() != self._seen:
            with self._lock:
                self._read_if_changed()

    def _read_if_changed(self, *, strict: bool = False) -> None:
        if self._path is None:
            return
        stamp = self._stamp()
        if stamp == self._seen:
            return
        try:
            entries = self._parse(self._path.read_text(encoding="utf-8-sig")) if stamp is not None else []
        except (InvalidInput, OSError, UnicodeDecodeError):
            if strict:
                raise
            # Written by hand or by an older release: scoring goes on with what was read last, and the next
            # upload writes a good file again.
            log.exception("%s does not parse: the registry keeps its last good entries", self._path)
            self._seen = stamp
            return
        self._by_id = {self._key(e): e for e in entries}
        self._seen = stamp

    def _stamp(self) -> tuple[int, int, int] | None:
        assert self._path is not None
        try:
            st = self._path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Workers' upserts one at a time: read, merge and save under an advisory lock."""
        if self._path is None:
            yield
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._path.with_suffix(".lock"), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            yield

    def all(self) -> list[Entry]:
        """Every entry, by id."""
        self._refresh()
        return [self._by_id[k] for k in sorted(self._by_id)]

    def _save(self) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        # The csv writer writes None as an empty cell and other values (dates) with str().
        writer = csv.DictWriter(buffer, fieldnames=self.FIELDS)
        writer.writeheader()
        # Not all(): it may read the file again, under the lock upsert already holds.
        for key in sorted(self._by_id):
            writer.writerow(self._by_id[key].model_dump())
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(self._path)
