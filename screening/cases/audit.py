"""The append-only audit trail: each entry's hash covers the previous hash, so any change breaks the chain.

hash = sha256(prev_hash + canonical JSON of {seq, at, actor, action, case_id, before, after}).
The one-row head table holds the last seq and hash: deleting entries from the end (truncation)
leaves the chain shorter than its head and is detected too. Publishing the head hash elsewhere
(`screening audit verify` prints it) also catches a rewrite of the whole chain with its head.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases.schemas import AuditRecord, AuditVerdict
from screening.cases.tables import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the entry)."""
    return hashlib.sha256(prev_hash.encode() + canonical(entry)).hexdigest()


def _content(row: AuditEntry) -> dict[str, Any]:
    return _entry(row.seq, row.at, row.actor, row.action, row.case_id, row.before, row.after)


def _entry(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    case_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "case_id": case_id,
        "before": before,
        "after": after,
    }


@dataclass(slots=True)
class Chain:
    """The locked head as plain values, for writers that use Core statements rather than the ORM."""

    seq: int
    hash: str


_HEAD = cast(sa.Table, AuditHead.__table__)
_ENTRIES = cast(sa.Table, AuditEntry.__table__)
_LOCK_HEAD = sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
_INSERT_ENTRY = sa.insert(_ENTRIES)
_MOVE_HEAD = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


def lock_chain(connection: sa.Connection) -> Chain:
    """lock() without the ORM: the head's seq and hash, locked for this transaction."""
    row = connection.execute(_LOCK_HEAD).first()
    if row is None:
        connection.execute(sa.insert(_HEAD).values(id=HEAD_ID, seq=0, hash=GENESIS))
        return Chain(seq=0, hash=GENESIS)
    return Chain(seq=row.seq, hash=row.hash)


def append_entry(
    connection: sa.Connection,
    chain: Chain,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """append() without the ORM: the same entry and hash, and the head moved in SQL and in chain."""
    at = at.astimezone(UTC)
    digest = entry_hash(chain.hash, _entry(chain.seq + 1, at, actor, action, case_id, before, after))
    connection.execute(
        _INSERT_ENTRY,
        {
            "seq": chain.seq + 1,
            "at": at,
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "before": before,
            "after": after,
            "prev_hash": chain.hash,
            "hash": digest,
        },
    )
    connection.execute(_MOVE_HEAD, {"new_seq": chain.seq + 1, "new_hash": digest})
    chain.seq, chain.hash = chain.seq + 1, digest


def lock(session: Session) -> AuditHead:
    """Lock the chain's head for this transaction; every write to cases takes it first, so writes queue."""
    head = session.scalar(sa.select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def append(
    session: Session,
    head: AuditHead,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry after the locked head."""
    row = AuditEntry(
        seq=head.seq + 1,
        # Round-trips through every backend unchanged: UTC, microseconds.
        at=at.astimezone(UTC),
        actor=actor,
        action=action,
        case_id=case_id,
        before=before,
        after=after,
        prev_hash=head.hash,
        hash="",
    )
    row.hash = entry_hash(head.hash, _content(row))
    session.add(row)
    head.seq, head.hash = row.seq, row.hash
    return row


def record(row: AuditEntry) -> AuditRecord:
    """An entry as the API shows it."""
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        case_id=row.case_id,
        before=row.before,
        after=row.after,
        hash=row.hash,
    )


def of_case(session: Session, *, case_id: str) -> list[AuditRecord]:
    """Every entry about one case, oldest first."""
    rows = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
    )
    return [record(r) for r in rows]


def verify_audit(session: Session) -> AuditVerdict:
    """Walk the whole chain; the verdict names the first entry that is edited, missing or cut off."""
    head = session.get(AuditHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    result = session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000))
    try:
        return _walk(result.scalars(), head_seq=head_seq, head_hash=head_hash)
    finally:
        result.close()  # a server-side cursor on PostgreSQL, left early when a bad entry is found


def _walk(rows: Iterable[AuditEntry], *, head_seq: int, head_hash: str) -> AuditVerdict:
    def broken(bad_seq: int, problem: str) -> AuditVerdict:
        return AuditVerdict(
            entries=checked, head_seq=head_seq, head_hash=head_hash, bad_seq=bad_seq, problem=problem
        )

    expected_seq, prev, checked = 1, GENESIS, 0
    for row in rows:
        if row.seq != expected_seq:
            return broken(
                expected_seq, f"entry {expected_seq} is missing (the next one present is {row.seq})"
            )
        if row.prev_hash != prev:
            return broken(row.seq, f"entry {row.seq} does not follow entry {row.seq - 1} (prev_hash differs)")
        if entry_hash(prev, _content(row)) != row.hash:
            return broken(row.seq, f"entry {row.seq} was altered (its hash does not match its content)")
        prev = row.hash
        checked += 1
        expected_seq += 1
    last = expected_seq - 1
    if last < head_seq:
        return broken(
            last + 1,
            f"the trail ends at entry {last} but its head records entry {head_seq}: "
            f"entries {last + 1}..{head_seq} were cut off",
        )
    if last != head_seq or prev != head_hash:
        return broken(last, f"the trail's head (entry {head_seq}) does not match its last entry {last}")
    return AuditVerdict(entries=checked, head_seq=head_seq, head_hash=head_hash)
