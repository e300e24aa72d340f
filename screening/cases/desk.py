"""The case desk: opens cases durably for the engine and runs the officers' actions for the API and pages."""

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import anyio
from sqlalchemy.orm import Session

from screening.cases import audit, labels, queue, service
from screening.cases.feedback import HistoryViolations, ViolationRecorder
from screening.cases.outbox import Outbox
from screening.cases.schemas import (
    Action,
    Attachment,
    AttachmentRequest,
    AuditVerdict,
    BulkResult,
    CaseDetail,
    CaseDraft,
    CasePage,
    CaseQuery,
    CaseStatus,
    CaseSummary,
    InspectionOutcome,
    Note,
    NotHeldNote,
    Unmasked,
)
from screening.cases.snapshot import case_entities, draft_case
from screening.cases.writer import CaseWriter, ProcessWriter, ThreadWriter, WriteFailed
from screening.contract import Decision, Inspection
from screening.db import Database, database_url, upgrade_database
from screening.engine import Engine, ParcelSeen
from screening.entities import ParcelEntities
from screening.errors import HistoryUnavailable, Unavailable
from screening.parcel import Parcel
from screening.privacy import PersonalData
from screening.settings import Settings

log = logging.getLogger("screening.cases")
T = TypeVar("T")


class CaseDesk:
    """The CaseSink of the engine, and the one door to cases for routes and pages."""

    def __init__(
        self,
        *,
        db: Database,
        privacy: PersonalData,
        outbox: Outbox,
        sla_hours: float,
        violations: ViolationRecorder | None = None,
        writer: CaseWriter | None = None,
        timeout_s: float = 2.0,
        retry_every_s: float = 1.0,
        feedback_every_s: float = 10.0,
        migrate: Callable[[], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.privacy = privacy
        self.outbox = outbox
        self.sla_hours = sla_hours
        self.violations = violations
        # Replays of the outbox run in a thread; holds go to `writer`, this same thread writer by default.
        self.thread_writer = ThreadWriter(db=db, sla_hours=sla_hours)
        self.writer: CaseWriter = writer or self.thread_writer
        self.timeout_s = timeout_s
        self.retry_every_s = retry_every_s
        self.feedback_every_s = feedback_every_s
        self._clock = clock or (lambda: datetime.now(UTC))
        self._migrate = migrate
        # A replay given up on after its timeout goes on in its thread: the next one must not run beside it.
        self._replaying = threading.Lock()
        self._sql_ok = True
        self._waiting: set[str] = set()  # case ids in the outbox, not yet in SQL
        self._task: asyncio.Task[None] | None = None

    # The engine's side (CaseSink) --------------------------------------------------------------

    async def open_case(
        self, *, decision: Decision, parcel: Parcel, entities: ParcelEntities
    ) -> tuple[str, CaseStatus | None]:
        """Commit the case to SQL within timeout_s, else to the fsynced outbox; either way durable.

        The case's id, and its status after the hold (None when it went to the outbox: not known yet).
        """
        draft = draft_case(decision=decision, parcel=parcel, entities=entities, privacy=self.privacy)
        if self._sql_ok and (status := await self._write_within_timeout(draft)) is not None:
            return draft.case_id, status
        await anyio.to_thread.run_sync(self.outbox.append, draft)
        self._waiting.add(draft.case_id)
        return draft.case_id, None

    async def _write_within_timeout(self, draft: CaseDraft) -> CaseStatus | None:
        with anyio.move_on_after(self.timeout_s):
            try:
                # A timed-out write may still commit later; the outbox replay of it is then a no-op.
                return await self.writer.write(draft)
            except WriteFailed as exc:
                log.error("%s; kept in the outbox", exc)
            except Exception:
                log.exception("case %s could not be written to SQL; kept in the outbox", draft.case_id)
        if self._sql_ok:
            log.error("case database unavailable: holds go to the outbox until it answers again")
        self._sql_ok = False
        return None

    async def note_not_held(
        self, *, case_id: str, decision: Decision, entities: ParcelEntities, accepted_at: datetime
    ) -> None:
        """Record on the case that a corrected body of its parcel was decided without a hold; durable."""
        note = NotHeldNote(
            kind="not_held",
            case_id=case_id,
            scored_at=decision.scored_at,
            decision=decision.decision,
            reason_codes=tuple(r.code for r in decision.reasons),
            entities=case_entities(entities),
            accepted_at=accepted_at,
        )
        # A case still in the outbox is not in SQL yet: its note waits behind it there.
        if self._sql_ok and case_id not in self._waiting:
            try:
                with anyio.fail_after(self.timeout_s):
                    # A write that times out may still commit; the note's replay is then a no-op.
                    await self.db.write(lambda s: service.note_not_held(s, note=note))
                return
            except Exception:
                log.exception("case %s: the corrected body's decision goes to the outbox", case_id)
        await anyio.to_thread.run_sync(self.outbox.append, note)

    async def held_decision(self, case_id: str) -> Decision | None:
        """The hold the case keeps, with its case id and status now; None when SQL has no such case."""
        found = await self._bounded_read(lambda s: queue.held_decision(s, case_id=case_id))
        if found is None:
            return None
        decision, status = found
        return Decision.model_validate({**decision, "case_id": case_id, "case_status": status})

    async def case_status(self, case_id: str) -> str | None:
        """The case's status; 'open' for a case still in the outbox."""
        status = await self._bounded_read(lambda s: queue.case_status(s, case_id=case_id))
        if status is None and case_id in self._waiting:
            return "open"
        return status

    async def _bounded_read(self, read: Callable[[Session], T]) -> T | None:
        """A read for the scoring path: None when SQL is down or does not answer within timeout_s."""
        if not self._sql_ok:
            return None
        with anyio.move_on_after(self.timeout_s), suppress(Exception):
            return await anyio.to_thread.run_sync(lambda: self.db.read_sync(read), abandon_on_cancel=True)
        return None

    # Start, stop, retry -------------------------------------------------------------------------

    async def start(self) -> None:
        """Replay the outbox (idempotent), apply pending feedback, start retrying in the background."""
        self._waiting = {d.case_id for d in await anyio.to_thread.run_sync(self.outbox.waiting)}
        if self._waiting:
            log.warning("%d case(s) in the outbox from before the start; replaying", len(self._waiting))
        await self.replay_outbox()
        with suppress(Exception):
            await self.apply_feedback()
        self._task = asyncio.create_task(self._retry_forever(), name="case-outbox-retry")

    async def stop(self) -> None:
        """Stop retrying and writing (the outbox keeps what is not yet in SQL for the next start)."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.writer.close()

    async def _retry_forever(self) -> None:
        since_feedback = 0.0
        while True:
            await anyio.sleep(self.retry_every_s)
            since_feedback += self.retry_every_s
            try:
                if not self._sql_ok or self._waiting:
                    await self.replay_outbox()
                if since_feedback >= self.feedback_every_s and self._sql_ok:
                    since_feedback = 0.0
                    await self.apply_feedback()
            except Exception:
                log.exception("case retry round failed; trying again in %s s", self.retry_every_s)

    async def replay_outbox(self) -> int:
        """Write every outbox draft into SQL and mark SQL healthy again; returns the drafts written."""
        written = 0
        with anyio.move_on_after(max(self.timeout_s * 5, 10.0)):
            try:
                written = await anyio.to_thread.run_sync(self._replay_sync, abandon_on_cancel=True)
            except Exception as exc:
                log.warning("outbox replay failed (%s); will retry", exc)
                self._sql_ok = False
                return 0
            if not self._sql_ok:
                log.warning("case database answers again; outbox replayed (%d draft(s))", written)
            self._sql_ok = True
            # Holds that went to the outbox while this replay ran wait for the next round.
            self._waiting = {d.case_id for d in await anyio.to_thread.run_sync(self.outbox.waiting)}
            return written
        self._sql_ok = False
        return written

    def _replay_sync(self) -> int:
        if not self._replaying.acquire(blocking=False):
            raise Unavailable("an earlier replay of the outbox has not finished")
        try:
            return self._replay_alone()
        finally:
            self._replaying.release()

    def _replay_alone(self) -> int:
        if self._migrate is not None:
            # Until it has worked once: the database may have been down when the service started.
            self._migrate()
            self._migrate = None
        # A probe first, so that an empty outbox also tells whether SQL is back.
        self.db.ping_sync()
        written = 0
        for path in self.outbox.claim():
            for record in self.outbox.read(path):
                if isinstance(record, NotHeldNote):
                    self.db.write_sync(partial(service.note_not_held, note=record))
                else:
                    self.thread_writer.upsert(record)
                written += 1
            self.outbox.done(path)
        return written

    # Feedback -----------------------------------------------------------------------------------

    async def apply_feedback(self, ids: Sequence[int] | None = None) -> int:
        """Record pending confirmed violations in the history store; labels stay pending while it is down."""
        if self.violations is None:
            return 0
        pending = await self.db.read(lambda s: labels.pending_violations(s, ids=ids))
        applied: list[int] = []
        try:
            for p in pending:
                await self.violations.record(entity_keys=p.entity_keys, at_ms=p.at_ms, parcel=p.parcel)
                applied.append(p.label_id)
        except HistoryUnavailable:
            log.warning("history store unavailable: %d violation(s) will be recorded later", len(pending))
        if applied:
            now = self._clock()
            await self.db.write(lambda s: labels.mark_applied(s, label_ids=applied, now=now))
        return len(applied)

    # The officers' side -------------------------------------------------------------------------

    async def queue(self, query: CaseQuery) -> CasePage:
        """A page of the queue."""
        now = self._clock()
        return await self.db.read(lambda s: queue.list_cases(s, query=query, now=now))

    async def get(self, case_id: str) -> CaseDetail:
        """One case in full."""
        now = self._clock()
        return await self.db.read(lambda s: queue.get_case(s, case_id=case_id, now=now))

    async def act(
        self,
        *,
        case_id: str,
        action: Action,
        actor: str,
        note: str | None = None,
        violation_type: str | None = None,
    ) -> CaseSummary:
        """Act on one case; a confirmed violation reaches the history store before this returns."""
        now = self._clock()
        done = await self.db.write(
            lambda s: service.act(
                s,
                case_id=case_id,
                action=action,
                actor=actor,
                now=now,
                note=note,
                violation_type=violation_type,
            )
        )
        if done.label_id is not None:
            await self.apply_feedback([done.label_id])
        return done.case

    async def bulk(
        self,
        *,
        cluster_id: str,
        action: Action,
        actor: str,
        note: str | None = None,
        violation_type: str | None = None,
    ) -> BulkResult:
        """Act on every open case of a ring."""
        now = self._clock()
        result, labels = await self.db.write(
            lambda s: service.bulk_act(
                s,
                cluster_id=cluster_id,
                action=action,
                actor=actor,
                now=now,
                note=note,
                violation_type=violation_type,
            )
        )
        if labels:
            await self.apply_feedback(labels)
        return result

    async def note(self, *, case_id: str, author: str, text: str) -> Note:
        """Add a note."""
        now = self._clock()
        return await self.db.write(
            lambda s: service.add_note(s, case_id=case_id, author=author, text=text, now=now)
        )

    async def attach(self, *, case_id: str, actor: str, attachment: AttachmentRequest) -> Attachment:
        """Add attachment metadata."""
        now = self._clock()
        return await self.db.write(
            lambda s: service.add_attachment(s, case_id=case_id, actor=actor, attachment=attachment, now=now)
        )

    async def unmask(self, *, case_id: str, actor: str) -> Unmasked:
        """The plain identity numbers, audited."""
        now = self._clock()
        return await self.db.write(
            lambda s: service.unmask(s, case_id=case_id, actor=actor, privacy=self.privacy, now=now)
        )

    async def inspection(self, *, inspection: Inspection, actor: str) -> InspectionOutcome:
        """An inspection result: a label, and for a violation the entities' history."""
        seen = ParcelSeen(entities={}, accepted_at=None)
        if inspection.result == "violation" and self.violations is not None:
            # HistoryUnavailable goes to the caller (503, nothing recorded) for a retry: a violation kept
            # without the parcel's entities would never reach them.
            seen = await self.violations.seen_parcel(
                carrier=inspection.carrier,
                waybill_no=inspection.waybill_no,
                reported_at=inspection.inspected_at,
            )
        now = self._clock()
        outcome, label_id = await self.db.write(
            lambda s: service.record_inspection(
                s,
                inspection=inspection,
                actor=actor,
                now=now,
                known_entities=list(seen.entities),
                known_accepted_at=seen.accepted_at,
            )
        )
        await self.apply_feedback([label_id])
        return outcome

    async def verify_audit(self) -> AuditVerdict:
        """Walk the audit trail."""
        return await self.db.read(audit.verify_audit)


async def open_desk(*, settings: Settings, engine: Engine) -> CaseDesk:
    """The case desk for these settings, started (schema migrated, outbox replayed) and set as engine.cases.

    SQL may be down at start: holds then go to the outbox and the schema is migrated once it answers.
    """
    url = database_url(settings)
    sla_hours = engine.policy.cases.sla_hours
    desk = CaseDesk(
        db=Database.connect(url, timeout_s=settings.sql_timeout_s),
        privacy=engine.privacy,
        outbox=Outbox(settings.data_dir),
        sla_hours=sla_hours,
        violations=HistoryViolations(history=engine.history, ledger=engine.ledger, engine=engine),
        timeout_s=settings.sql_timeout_s,
        migrate=lambda: upgrade_database(url),
    )
    await desk.start()
    if settings.case_writer == "process":
        writer = ProcessWriter(
            url=url, timeout_s=settings.sql_timeout_s, sla_hours=sla_hours, fallback=desk.thread_writer
        )
        # Started now, not at the first hold: its imports take seconds of CPU, better spent before the
        # worker takes traffic than in the middle of it.
        writer.start()
        desk.writer = writer
    engine.cases = desk
    return desk
