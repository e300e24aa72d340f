"""The decision log: every scored waybill, journaled per process and compacted into Parquet by Beijing day."""

from screening.decisionlog.compaction import CompactionReport, LogLayout, compact
from screening.decisionlog.log import DecisionLog
from screening.decisionlog.reader import LoggedScoring, distinct_records, last_scoring, scan_log
from screening.decisionlog.record import DATASET_SCHEMA, KEY_COLUMNS, LOG_SCHEMA, log_record

__all__ = [
    "DATASET_SCHEMA",
    "KEY_COLUMNS",
    "LOG_SCHEMA",
    "CompactionReport",
    "DecisionLog",
    "LogLayout",
    "LoggedScoring",
    "compact",
    "distinct_records",
    "last_scoring",
    "log_record",
    "scan_log",
]
