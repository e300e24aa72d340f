"""The decision log the engine appends to: journal on the hot path, compaction in the background."""

import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from screening.contract import Decision
from screening.decisionlog.compaction import CompactionReport, LogLayout, compact
from screening.decisionlog.journal import Journal
from screening.decisionlog.reader import LoggedScoring, last_scoring
from screening.decisionlog.record import log_record
from screening.entities import ParcelEntities
from screening.parcel import Parcel
from screening.policy.schemas import Policy

log = logging.getLogger("screening.decisionlog")


@dataclass(frozen=True, slots=True)
class Scored:
    """One decision as the engine hands it over; turned into a record by the writer thread."""

    decision: Decision
    parcel: Parcel
    entities: ParcelEntities
    replaces_day: date | None = None


class DecisionLog:
    """Every scored waybill, durable within the commit interval, compacted into Parquet by Beijing day."""

    def __init__(
        self,
        root: Path,
        *,
        policy: Policy,
        commit_interval_s: float = 0.02,
        compact_interval_s: float = 60.0,
    ) -> None:
        self.layout = LogLayout(root)
        self.policy = policy
        self.compact_interval_s = compact_interval_s
        self.journal: Journal[Scored] = Journal(
            self.layout.journal,
            encode=self._encode,
            commit_interval_s=commit_interval_s,
            segment_max_s=compact_interval_s,
        )
        self._stop = threading.Event()
        self._compactor = threading.Thread(target=self._compact_loop, name="decision-compactor", daemon=True)

    @classmethod
    def open(cls, root: Path, *, policy: Policy, **options: float) -> "DecisionLog":
        """Open the log and start compacting in the background (journals left by a dead process first)."""
        decision_log = cls(root, policy=policy, **options)
        decision_log._compactor.start()
        return decision_log

    def append(
        self,
        *,
        decision: Decision,
        parcel: Parcel,
        entities: ParcelEntities,
        replaces_day: date | None = None,
    ) -> None:
        """Queue one decision (a list append: the record is built and committed by the writer thread)."""
        self.journal.append(Scored(decision, parcel, entities, replaces_day))

    def last_scoring(self, *, carrier: str, waybill_no: str, start: date, end: date) -> LoggedScoring | None:
        """The latest scoring of one parcel accepted on days start..end, if logged (blocking: a scan)."""
        self.journal.flush()  # this process's last few milliseconds of scorings too
        return last_scoring(self.layout, carrier=carrier, waybill_no=waybill_no, start=start, end=end)

    def compact(self) -> CompactionReport:
        """Seal this process's segment and compact every sealed one now."""
        self.journal.seal()
        return compact(self.layout)

    def close(self) -> None:
        """Commit everything, stop compacting, and compact what this process wrote."""
        self._stop.set()
        if self._compactor.is_alive():
            self._compactor.join()
        self.journal.close()
        try:
            compact(self.layout, wait=False)
        except Exception:
            # The journal is durable: the next start or `screening log compact` finishes the job.
            log.exception("compaction at close failed")

    def _encode(self, scored: Scored) -> dict[str, object]:
        return log_record(
            decision=scored.decision,
            parcel=scored.parcel,
            entities=scored.entities,
            policy=self.policy,
            replaces_day=scored.replaces_day,
        )

    def _compact_loop(self) -> None:
        wait = 0.0  # at start, at once: journals left by a process that died
        while not self._stop.wait(wait):
            wait = self.compact_interval_s
            try:
                self.journal.seal()
                report = compact(self.layout, wait=False)
                if report.segments:
                    log.info("compacted %d journal segments (%d records)", report.segments, report.records)
            except Exception:
                log.exception("background compaction failed; retrying at the next interval")
