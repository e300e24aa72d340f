"""Durable holds: with SQL down or slow, a hold is answered from the fsynced outbox and lands in SQL later."""

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from screening.cases.desk import CaseDesk
from screening.cases.outbox import Outbox
from screening.cases.tables import AuditEntry, Case
from screening.db import Database, upgrade_database
from screening.engine import Engine
from tests.factories import BASE_TIME, item, party, resident_id
from tests.screening.cases.conftest import held, score

pytestmark = pytest.mark.anyio

# Nothing listens on port 1: connections are refused at once, as when the database is down.
DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/screening"


def case_ids(db: Database) -> list[str]:
    """Every case id in SQL."""
    return db.read_sync(lambda s: list(s.scalars(sa.select(Case.case_id).order_by(Case.case_id))))


def opened_entries(db: Database) -> int:
    """How many 'opened' entries the audit trail holds."""
    return len(
        db.read_sync(lambda s: list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "opened"))))
    )


async def test_with_sql_down_a_hold_is_answered_and_written_once_sql_is_back(
    engine: Engine, db: Database, make_desk: Callable[..., CaseDesk], tmp_path: Path
) -> None:
    down = Database.connect(DOWN, timeout_s=0.5)
    outage = make_desk(down, timeout_s=0.5)
    number = resident_id(region="510104", birth="19920303", seq="468")
    decision = await score(engine, held(sender=party(id_number=number)))
    assert decision.decision == "hold" and decision.case_id is not None
    assert await outage.case_status(decision.case_id) == "open"
    assert await engine.recall(carrier="SF", waybill_no=decision.waybill_no) == decision.model_copy(
        update={"case_status": "open"}
    )
    journal = b"".join(p.read_bytes() for p in (tmp_path / "outbox").iterdir())
    assert decision.case_id.encode() in journal and number.encode() not in journal
    down.dispose()

    # The service restarts with the database back: the outbox is replayed at start, once.
    back = make_desk(db)
    await back.start()
    await back.stop()
    assert case_ids(db) == [decision.case_id]
    assert list((tmp_path / "outbox").iterdir()) == []
    again = make_desk(db)
    await again.start()
    await again.stop()
    assert opened_entries(db) == 1
    assert await again.case_status(decision.case_id) == "open"


async def test_a_slow_database_sends_holds_to_the_outbox_and_the_retry_writes_them(
    engine: Engine, make_desk: Callable[..., CaseDesk], tmp_path: Path
) -> None:
    path = tmp_path / "slow.db"
    upgrade_database(f"sqlite:///{path}")
    db = Database.connect(f"sqlite:///{path}", timeout_s=0.3)
    desk = make_desk(db, timeout_s=0.3, retry_every_s=0.05)
    await desk.start()
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        started = time.monotonic()
        decision = await score(engine, held())
        answered_in = time.monotonic() - started
        assert decision.case_id is not None and answered_in < 1.5
        assert case_ids(db) == []
        assert await desk.case_status(decision.case_id) == "open"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    for _ in range(100):  # the desk's background retry writes it, within 5 s
        if case_ids(db):
            break
        await anyio.sleep(0.05)
    assert case_ids(db) == [decision.case_id]
    await desk.stop()
    assert opened_entries(db) == 1
    assert not any((tmp_path / "outbox").glob("*.jsonl"))
    db.dispose()


@pytest.mark.parametrize("sql", ["down", "back_before_the_replay"])
async def test_a_corrected_body_of_a_hold_in_the_outbox_leaves_its_note_behind_the_case(
    engine: Engine, db: Database, make_desk: Callable[..., CaseDesk], sql: str
) -> None:
    down = Database.connect(DOWN, timeout_s=0.5)
    outage = make_desk(down, timeout_s=0.5)
    wb = held(sender=party(id_number=resident_id(region="510104", birth="19920303", seq="469")))
    first = await score(engine, wb)
    assert first.case_id is not None
    if sql == "back_before_the_replay":
        # SQL answers again, but the case is still only in the outbox: the note must wait behind it.
        outage.db = db
        outage._sql_ok = True
    corrected = wb | {
        "items": [item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)],
        "declared_value": 500.0,
        "accepted_at": (BASE_TIME + timedelta(minutes=5)).isoformat(),
    }
    released = await score(engine, corrected)
    assert released.decision != "hold" and released.case_id is None
    down.dispose()

    back = make_desk(db)
    await back.start()
    await back.stop()
    assert case_ids(db) == [first.case_id]
    trail = db.read_sync(
        lambda s: [(e.action, e.after) for e in s.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq))]
    )
    assert [action for action, _ in trail] == ["opened", "rescored_not_held"]
    assert trail[1][1] == {"decision": released.decision, "reason_codes": [r.code for r in released.reasons]}
    again = make_desk(db)  # a second replay finds nothing and writes nothing twice
    await again.start()
    await again.stop()
    assert db.read_sync(lambda s: s.scalar(sa.select(sa.func.count()).select_from(AuditEntry))) == 2


def test_a_torn_last_line_is_skipped_and_a_failed_replay_keeps_its_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    outbox.path.write_bytes(b'{"case_id": "CASE-SF-SF1400000000001", "carrier": "S')
    [claimed] = outbox.claim()
    assert list(outbox.read(claimed)) == []
    # Claimed files stay until done(), so a crash mid-replay replays them again.
    assert outbox.claim() == [claimed]
    outbox.done(claimed)
    assert outbox.claim() == []
