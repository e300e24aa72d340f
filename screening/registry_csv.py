"""Registries kept in process and persisted as CSV, and CSV rows validated into their entries."""

import csv
import io
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from screening.errors import InvalidInput

Entry = TypeVar("Entry", bound=BaseModel)


def parse_csv_entries(
    text: str, model: type[Entry], fields: Callable[[dict[str, Any]], dict[str, object]]
) -> list[Entry]:
    """Entries from CSV text, one a row made by fields from its cells; bad rows named by line."""
    out: list[Entry] = []
    problems: list[dict[str, object]] = []
    reader = csv.DictReader(io.StringIO(text))
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
    """Entries by id in process, persisted as CSV so a restart keeps what was loaded."""

    FIELDS: tuple[str, ...]

    def __init__(
        self, path: Path | None, *, parse: Callable[[str], list[Entry]], key: Callable[[Entry], str]
    ) -> None:
        self._path = path
        self._key = key
        self._by_id: dict[str, Entry] = {}
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self.upsert(parse(path.read_text(encoding="utf-8")), persist=False)

    def upsert(self, entries: Iterable[Entry], *, persist: bool = True) -> int:
        """Add or replace entries; returns how many."""
        with self._lock:
            count = 0
            for entry in entries:
                self._by_id[self._key(entry)] = entry
                count += 1
            if persist and self._path is not None:
                self._save()
        return count

    def all(self) -> list[Entry]:
        """Every entry, by id."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def _save(self) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        # The csv writer writes None as an empty cell and other values (dates) with str().
        writer = csv.DictWriter(buffer, fieldnames=self.FIELDS)
        writer.writeheader()
        for entry in self.all():
            writer.writerow(entry.model_dump())
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(self._path)
