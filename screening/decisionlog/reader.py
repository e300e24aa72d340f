"""Reading the decision log: only the days asked for, optionally with records not yet compacted."""

from datetime import date, datetime
from typing import NamedTuple

import polars as pl

from screening.decisionlog.compaction import PART_GLOB, LogLayout, parse_journal
from screening.decisionlog.journal import read_segment, segments
from screening.decisionlog.record import DATASET_SCHEMA, KEY_COLUMNS, LOG_SCHEMA, PARTITION

# A log record is one scoring of one parcel; the same three values twice is the same record read twice
# (a merge interrupted by a crash), never two scorings.
RECORD_KEY = ("carrier", "waybill_no", "scored_at")


def day_files(layout: LogLayout, *, start: date, end: date) -> list[str]:
    """Parquet files of the Beijing days from start to end inclusive (partition pruning by folder)."""
    if not layout.parquet.exists():
        return []
    prefix = f"{PARTITION}="
    files: list[str] = []
    for folder in sorted(layout.parquet.iterdir()):
        if not folder.name.startswith(prefix):
            continue
        try:
            day = date.fromisoformat(folder.name.removeprefix(prefix))
        except ValueError:
            continue
        if start <= day <= end:
            files.extend(str(p) for p in sorted(folder.glob(PART_GLOB)))
    return files


def scan_log(layout: LogLayout, *, start: date, end: date, include_journal: bool = False) -> pl.LazyFrame:
    """The log's records accepted on Beijing days start..end (inclusive), lazily.

    include_journal adds what is committed to the journal but not compacted yet (small: at most a
    compaction interval of records), for searches that must see the last minutes too.
    """
    frames: list[pl.LazyFrame] = []
    # Journal before Parquet: a segment compacted in between is then read twice (callers drop
    # duplicates), never missed.
    if include_journal:
        recent = journal_frame(layout).filter(pl.col(PARTITION).is_between(start, end))
        if recent.height:
            frames.append(recent.lazy())
    files = day_files(layout, start=start, end=end)
    if files:
        frames.append(
            pl.scan_parquet(
                files,
                schema=LOG_SCHEMA,
                hive_partitioning=True,
                hive_schema={PARTITION: pl.Date()},
                missing_columns="insert",
            ).select(DATASET_SCHEMA.names())
        )
    if not frames:
        return pl.LazyFrame(schema=DATASET_SCHEMA)
    return pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]


def journal_frame(layout: LogLayout) -> pl.DataFrame:
    """Every committed record still in journal segments (a torn last line is left out)."""
    parts = []
    for path in segments(layout.journal):
        try:
            data, _ = read_segment(path)
        except FileNotFoundError:
            continue  # compacted meanwhile
        parts.append(parse_journal(data)[0])
    if not parts:
        return pl.DataFrame(schema=DATASET_SCHEMA)
    return pl.concat(parts, how="vertical").select(DATASET_SCHEMA.names())


def distinct_records(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Each log record once."""
    return frame.unique(subset=list(RECORD_KEY), keep="first", maintain_order=True)


class LoggedScoring(NamedTuple):
    """What the log keeps of one scoring that a violation found later needs: entity keys (→ kind), pickup."""

    entities: dict[str, str]
    accepted_at: datetime


def last_scoring(
    layout: LogLayout, *, carrier: str, waybill_no: str, start: date, end: date
) -> LoggedScoring | None:
    """The latest logged scoring of one parcel accepted on days start..end, the journal included."""
    rows = (
        scan_log(layout, start=start, end=end, include_journal=True)
        .filter((pl.col("carrier") == carrier) & (pl.col("waybill_no") == waybill_no))
        .select("scored_at", "accepted_at", *KEY_COLUMNS.values())
        .sort("scored_at")
        .collect()
    )
    if not rows.height:
        return None
    last = rows.row(-1, named=True)
    entities = {last[column]: kind for kind, column in KEY_COLUMNS.items() if last[column] is not None}
    return LoggedScoring(entities=entities, accepted_at=last["accepted_at"])
