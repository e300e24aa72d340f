"""A hold opens or updates its case: rings, replays, late holds, the audit trail (SQLite, PostgreSQL)."""

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from screening.cases import service
from screening.cases.audit import verify_audit
from screening.cases.schemas import CaseDraft
from screening.cases.snapshot import case_id_of, cluster_id_of
from screening.cases.tables import AuditEntry, Case, CaseEntity, CaseLink, CaseReason
from screening.db import Database
from tests.factories import BASE_TIME
from tests.screening.cases.conftest import draft


def hold(db: Database, d: CaseDraft) -> str:
    """Write a draft as the desk does: one transaction."""
    return db.write_sync(lambda s: service.upsert_case(s, draft=d, sla_hours=24))


def cases(db: Database) -> dict[str, Any]:
    """Every case row by case id."""
    return {c.case_id: c for c in db.read_sync(lambda s: list(s.scalars(sa.select(Case))))}


def trail(db: Database) -> list[tuple[str, str | None]]:
    """The audit trail as (action, case id), in order."""
    rows = db.read_sync(
        lambda s: list(s.execute(sa.select(AuditEntry.action, AuditEntry.case_id).order_by(AuditEntry.seq)))
    )
    return [(a, c) for a, c in rows]


def test_a_new_hold_writes_its_case_reasons_links_entities_and_opened_entry(db: Database) -> None:
    assert hold(db, draft(1, links=(9,))) == "open"
    [case] = cases(db).values()
    assert (case.status, case.scored_at, case.opened_at, case.updated_at) == ("open",) + (BASE_TIME,) * 3
    assert case.sla_due_at == BASE_TIME + timedelta(hours=24)
    assert case.decision["case_id"] == case.case_id and case.linked_waybills == ["SF1500000000009"]
    # Linked to a waybill without a case yet: the ring is founded all the same.
    assert case.cluster_id == cluster_id_of(case.case_id)
    assert db.read_sync(lambda s: s.scalars(sa.select(CaseReason.code)).all()) == ["OVER_PERSONAL_LIMIT"]
    assert db.read_sync(lambda s: s.scalars(sa.select(CaseLink.waybill_no)).all()) == ["SF1500000000009"]
    assert len(db.read_sync(lambda s: s.scalars(sa.select(CaseEntity.entity_key)).all())) == 2
    [entry] = db.read_sync(lambda s: list(s.scalars(sa.select(AuditEntry))))
    assert entry.after == {
        "risk_score": 0.5,
        "reason_codes": ["OVER_PERSONAL_LIMIT"],
        "policy_version": "p1",
        "model_version": "m1",
        "status": "open",
        "cluster_id": case.cluster_id,
    }
    assert db.read_sync(verify_audit).bad_seq is None


def test_a_hold_bridging_two_rings_merges_them_under_the_first_ring_id(db: Database) -> None:
    hold(db, draft(1, minutes=1))
    hold(db, draft(2, minutes=2, links=(1,)))
    hold(db, draft(3, minutes=3))
    hold(db, draft(4, minutes=4, links=(3,)))
    hold(db, draft(5, minutes=5))
    before = cases(db)
    first, second = cluster_id_of(case_id_of("SF", "SF1500000000002")), before[draft(4).case_id].cluster_id
    assert {c.cluster_id for c in before.values()} == {first, second, None}
    # Found both ways: 6 links to 2 and 3; 8, held before 6, links to 6.
    hold(db, draft(8, minutes=6, links=(6,)))
    hold(db, draft(6, minutes=7, links=(2, 3)))
    after = cases(db)
    assert {k: c.cluster_id for k, c in after.items() if c.cluster_id != first} == {draft(5).case_id: None}
    assert db.read_sync(verify_audit).entries == 7


def test_replays_and_late_holds_change_nothing_and_a_newer_one_moves_scored_at_only(db: Database) -> None:
    hold(db, draft(1, minutes=10))
    hold(db, draft(1, minutes=10))  # a replay
    hold(db, draft(1, minutes=5, risk=0.9))  # an older, different hold arriving late
    [case] = cases(db).values()
    assert (case.risk_score, case.scored_at, case.opened_at) == (0.5,) + (
        BASE_TIME + timedelta(minutes=10),
    ) * 2
    hold(db, draft(1, minutes=20))  # newer, same decision
    [case] = cases(db).values()
    assert (case.scored_at, case.updated_at) == (BASE_TIME + timedelta(minutes=20), case.opened_at)
    hold(db, draft(1, minutes=30, risk=0.8))  # newer, different: rescored
    [case] = cases(db).values()
    assert (case.risk_score, case.updated_at) == (0.8, BASE_TIME + timedelta(minutes=30))
    assert trail(db) == [("opened", case.case_id), ("rescored", case.case_id)]
    assert db.read_sync(verify_audit).bad_seq is None


def test_every_lookup_of_a_hold_that_joins_a_ring_goes_through_indexes_never_a_scan(db: Database) -> None:
    # Every hold runs these statements: a scan grows with the table (2.2 ms a hold at 3,300 cases on SQLite).
    hold(db, draft(1, links=(2,)))
    hold(db, draft(3))
    ran: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            ran.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        hold(db, draft(2, links=(1, 3)))  # joins case 1's ring and merges case 3 into it
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert any("case_links" in statement for statement, _ in ran)  # the ring lookup was seen
    with db.engine.begin() as connection:
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            # On near-empty tables PostgreSQL scans anyway; with scans priced out, it scans only where no
            # index can serve the statement.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in ran:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = "\n".join(str(r[-1]) for r in connection.exec_driver_sql(explain + statement, parameters))
            # SQLite names a scan of a table "SCAN <table>" (upper-case words are not tables).
            assert "Seq Scan on" not in plan and not re.search(r"SCAN [a-z]", plan), f"{statement}\n{plan}"
