"""The journal and its compaction: nothing lost on a clean stop, at most the last window on a hard kill."""

import fcntl
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from prometheus_client import REGISTRY

from screening.compliance.metrics import latest_per_parcel
from screening.decisionlog import LogLayout, compact, distinct_records, scan_log
from screening.decisionlog.journal import Journal, process_lag_s, segments
from tests.screening.compliance.logrows import row

REPO = Path(__file__).resolve().parents[3]
DAY = pl.Series([row()["day"]]).str.to_date()[0]


def numbered(i: int) -> dict[str, Any]:
    return row(waybill_no=f"SF{8000000000 + i}")


def open_journal(layout: LogLayout, **options: float) -> Journal[dict[str, Any]]:
    return Journal(layout.journal, encode=lambda r: r, **options)  # type: ignore[arg-type]


def logged(layout: LogLayout) -> list[str]:
    frame = scan_log(layout, start=DAY, end=DAY, include_journal=True).collect()
    return sorted(frame["waybill_no"])


def test_a_clean_stop_loses_nothing(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    journal = open_journal(layout, commit_interval_s=0.05)
    for i in range(2000):
        journal.append(numbered(i))
    journal.close()
    assert journal.committed == 2000
    report = compact(layout)
    assert (report.segments, report.records, report.torn_bytes) == (1, 2000, 0)
    assert segments(layout.journal) == []
    assert logged(layout) == sorted(f"SF{8000000000 + i}" for i in range(2000))


def test_the_writer_commits_without_being_asked(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    journal = open_journal(layout, commit_interval_s=0.02)
    try:
        journal.append(numbered(1))
        deadline = time.monotonic() + 2.0
        while journal.committed == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert journal.committed == 1
        assert logged(layout) == ["SF8000000001"]  # readable from the journal before any compaction
    finally:
        journal.close()


def test_the_lag_gauge_shows_a_stuck_journal_while_another_of_the_process_commits(tmp_path: Path) -> None:
    # The gauge is the process's: a second journal committing as usual must not set it back to 0.
    stuck = open_journal(LogLayout(tmp_path / "stuck"), commit_interval_s=0.01)
    busy = open_journal(LogLayout(tmp_path / "busy"), commit_interval_s=0.01)
    try:
        with stuck._io_lock:  # its writer waits: what it has stays uncommitted
            stuck.append(numbered(1))
            time.sleep(0.2)
            busy.append(numbered(2))
            deadline = time.monotonic() + 2.0
            while busy.committed == 0 and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(0.05)  # more of busy's commits, each setting the gauge
            assert busy.committed == 1
            assert (REGISTRY.get_sample_value("screening_decision_log_lag_seconds") or 0.0) >= 0.2
            assert process_lag_s() >= 0.2
    finally:
        stuck.close()
        busy.close()
    assert process_lag_s() == 0.0


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from screening.decisionlog.journal import Journal
    from tests.screening.compliance.logrows import row

    journal = Journal(Path(sys.argv[1]), encode=lambda r: r, commit_interval_s=0.02)
    i = 0
    def burst(n):
        global i
        for _ in range(n):
            journal.append(row(waybill_no=f"SF{8000000000 + i}"))
            i += 1
            time.sleep(0.0002)
    burst(300)
    time.sleep(0.3)  # many commit windows: everything so far must be on disk
    print(i, flush=True)
    while True:
        burst(50)
    """
)


def test_a_hard_kill_loses_at_most_the_last_window_and_leaves_a_readable_journal(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(layout.journal)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        durable = int(child.stdout.readline())
        time.sleep(0.1)  # appending hard when the kill comes
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    report = compact(layout)  # the dead writer's segment is unlocked now
    assert report.segments == 1
    numbers = logged(layout)
    assert len(numbers) >= durable
    assert numbers == sorted(f"SF{8000000000 + i}" for i in range(len(numbers)))  # a prefix, no gaps


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    layout.journal.mkdir(parents=True)
    lines = [orjson.dumps(numbered(i)) + b"\n" for i in range(3)]
    (layout.journal / "1-1-000001.jsonl").write_bytes(b"".join(lines) + lines[0][:40])
    report = compact(layout)
    assert (report.records, report.torn_bytes) == (3, 40)
    assert logged(layout) == ["SF8000000000", "SF8000000001", "SF8000000002"]


def test_a_live_writers_segment_is_left_alone_until_it_is_sealed(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    journal = open_journal(layout)
    journal.append(numbered(7))
    journal.flush()
    assert compact(layout).segments == 0
    assert logged(layout) == ["SF8000000007"]
    journal.close()
    assert compact(layout).segments == 1
    assert logged(layout) == ["SF8000000007"]


def test_compacting_the_same_segment_twice_writes_it_once(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    layout.journal.mkdir(parents=True)
    segment = layout.journal / "1-1-000001.jsonl"
    segment.write_bytes(b"".join(orjson.dumps(numbered(i)) + b"\n" for i in range(5)))
    kept = tmp_path / "kept.jsonl"
    shutil.copy(segment, kept)
    compact(layout)
    shutil.copy(kept, segment)  # as if the process died after writing Parquet, before removing the segment
    compact(layout)
    assert len(logged(layout)) == 5


def test_small_files_of_a_day_are_merged_and_a_merge_cut_short_is_read_once(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    layout.journal.mkdir(parents=True)
    for n in range(3):
        rows = [numbered(10 * n + i) for i in range(4)]
        (layout.journal / f"1-1-{n:06d}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    report = compact(layout, merge_min_files=2)
    files = list(layout.day_dir(DAY.isoformat()).glob("part-*.parquet"))
    assert report.merged_days == [DAY.isoformat()]
    assert len(files) == 1
    shutil.copy(files[0], files[0].with_name("part-jcopy.parquet"))  # inputs left by a merge cut short
    log = scan_log(layout, start=DAY, end=DAY)
    assert log.select(pl.len()).collect().item() == 24
    assert distinct_records(log).select(pl.len()).collect().item() == 12
    assert latest_per_parcel(log).select(pl.len()).collect().item() == 12


def test_days_outside_the_range_are_not_read(tmp_path: Path) -> None:
    layout = LogLayout(tmp_path)
    layout.journal.mkdir(parents=True)
    rows = [row(at="2026-11-16T09:00"), row(at="2026-11-17T09:00"), row(at="2026-11-18T09:00")]
    (layout.journal / "1-1-000001.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    compact(layout)
    unreadable = layout.day_dir("2026-11-18") / "part-broken.parquet"
    unreadable.write_bytes(b"not parquet")  # would fail the scan if that day were read
    one_day = pl.Series(["2026-11-17"]).str.to_date()[0]
    frame = scan_log(layout, start=one_day, end=one_day).collect()
    assert frame["day"].to_list() == [one_day]


def test_a_new_segment_is_never_seen_by_compaction_before_it_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compaction in the instant between a segment's creation and its lock would take it for sealed and
    empty and delete it, and the records written next would go into a removed file."""
    layout = LogLayout(tmp_path)
    journal = open_journal(layout, commit_interval_s=60)
    real_flock = fcntl.flock
    seen_before_lock: list[list[Path]] = []

    def flock(fd: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:
            seen_before_lock.append(segments(layout.journal))
            compact(layout, wait=False)  # a compaction pass exactly then
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    for i in range(3):
        journal.append(numbered(i))
    journal.flush()
    monkeypatch.undo()
    journal.close()
    assert seen_before_lock == [[]]
    assert logged(layout) == sorted(numbered(i)["waybill_no"] for i in range(3))
