"""Compaction: sealed journal segments become Parquet files by Beijing day, and small files are merged."""

import fcntl
import io
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import polars as pl

from screening.decisionlog.journal import read_segment, sealed_segment, segments
from screening.decisionlog.record import JOURNAL_SCHEMA, LOG_SCHEMA, PARTITION, UTC_MICROS

log = logging.getLogger("screening.decisionlog")

PART_GLOB = "part-*.parquet"


@dataclass(frozen=True, slots=True)
class LogLayout:
    """Where the decision log keeps its journal segments and its Parquet dataset."""

    root: Path

    @property
    def journal(self) -> Path:
        """Journal segments of every process."""
        return self.root / "journal"

    @property
    def parquet(self) -> Path:
        """The dataset: parquet/day=YYYY-MM-DD/part-*.parquet."""
        return self.root / "parquet"

    def day_dir(self, day: str) -> Path:
        """Folder of one Beijing day."""
        return self.parquet / f"{PARTITION}={day}"


@dataclass(slots=True)
class CompactionReport:
    """What one compaction did."""

    segments: int = 0
    records: int = 0
    torn_bytes: int = 0
    bad_lines: int = 0
    merged_days: list[str] = field(default_factory=list)
    busy: bool = False


def parse_journal(data: bytes) -> tuple[pl.DataFrame, int]:
    """Journal lines as a frame in the dataset's types, and how many corrupt lines were skipped."""
    if not data:
        return _to_log_types(pl.DataFrame(schema=JOURNAL_SCHEMA)), 0
    try:
        frame = pl.read_ndjson(io.BytesIO(data), schema=JOURNAL_SCHEMA)
        return _to_log_types(frame), 0
    except Exception:
        # Only a fault of the disk leaves a bad line inside a segment: keep every line that parses.
        rows, bad = [], 0
        for line in data.splitlines():
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                bad += 1
        frame = pl.DataFrame(rows, schema=JOURNAL_SCHEMA, strict=False)
        return _to_log_types(frame), bad


def _to_log_types(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        *(pl.col(name).cast(UTC_MICROS) for name, dtype in LOG_SCHEMA.items() if dtype == UTC_MICROS),
        pl.col(PARTITION).str.to_date(),
    )


@contextmanager
def compaction_lock(layout: LogLayout, *, wait: bool) -> Iterator[bool]:
    """One compaction at a time across the processes sharing the log; yields False when busy."""
    layout.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.root / "compact.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def compact(
    layout: LogLayout,
    *,
    wait: bool = True,
    merge_min_files: int = 8,
    small_file_bytes: int = 128 * 1024 * 1024,
    every_day: bool = False,
) -> CompactionReport:
    """Turn every sealed journal segment into Parquet, then merge days left with many small files.

    A day is merged when it has at least merge_min_files small files; only the days this compaction
    wrote are looked at, unless every_day.
    """
    report = CompactionReport()
    with compaction_lock(layout, wait=wait) as held:
        if not held:
            report.busy = True
            return report
        touched: set[str] = set()
        for path in segments(layout.journal):
            with sealed_segment(path) as ours:
                if not ours:
                    continue
                data, torn = read_segment(path)
                frame, bad = parse_journal(data)
                touched.update(_write_days(layout, frame, name=f"part-j{path.stem}"))
                report.segments += 1
                report.records += frame.height
                report.torn_bytes += torn
                report.bad_lines += bad
                if torn or bad:
                    log.warning("journal %s: skipped %d torn bytes, %d bad lines", path.name, torn, bad)
                # Parquet is durable before the journal goes; a crash in between rewrites the same files.
                path.unlink()
        for day in sorted(touched | (_days(layout) if every_day else set())):
            if merge_day(layout, day, min_files=merge_min_files, small_file_bytes=small_file_bytes):
                report.merged_days.append(day)
    return report


def _write_days(layout: LogLayout, frame: pl.DataFrame, *, name: str) -> list[str]:
    days = []
    for (day,), part in frame.partition_by(PARTITION, as_dict=True, include_key=False).items():
        day_text = day.isoformat()
        _write_atomically(part, layout.day_dir(day_text) / f"{name}.parquet")
        days.append(day_text)
    return days


def _write_atomically(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    frame.write_parquet(tmp, compression="zstd", statistics=True)
    _fsync(tmp)
    tmp.replace(target)
    _fsync(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _days(layout: LogLayout) -> set[str]:
    if not layout.parquet.exists():
        return set()
    prefix = f"{PARTITION}="
    return {d.name.removeprefix(prefix) for d in layout.parquet.iterdir() if d.name.startswith(prefix)}


def merge_day(layout: LogLayout, day: str, *, min_files: int, small_file_bytes: int) -> bool:
    """Merge a day's small files into one when there are at least min_files of them (streamed)."""
    small = sorted(p for p in layout.day_dir(day).glob(PART_GLOB) if p.stat().st_size < small_file_bytes)
    if len(small) < max(2, min_files):
        return False
    target = layout.day_dir(day) / f"part-m{uuid.uuid4().hex}.parquet"
    tmp = target.with_name(f".{target.name}.tmp")
    pl.scan_parquet(small, schema=LOG_SCHEMA, missing_columns="insert").sink_parquet(
        tmp, compression="zstd", statistics=True, sync_on_close="all"
    )
    tmp.replace(target)
    _fsync(target.parent)
    # A crash before these unlinks leaves rows twice; readers drop duplicate records.
    for p in small:
        p.unlink()
    _fsync(target.parent)
    return True
