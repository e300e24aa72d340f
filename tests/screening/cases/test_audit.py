"""The audit trail is hash-chained: an edited, a deleted and a truncated entry are each detected."""

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from screening.cases.audit import verify_audit
from screening.cases.desk import CaseDesk
from screening.cases.tables import AuditEntry
from screening.db import Database
from screening.engine import Engine
from tests.screening.cases.conftest import held, score

pytestmark = pytest.mark.anyio


@pytest.fixture
async def trail(engine: Engine, desk: CaseDesk) -> list[int]:
    """Five entries: two cases opened, then assign, note and release on the first."""
    first = await score(engine, held())
    await score(engine, held())
    case_id = first.case_id or ""
    await desk.act(case_id=case_id, action="assign", actor="wang")
    await desk.note(case_id=case_id, author="wang", text="called the sender")
    await desk.act(case_id=case_id, action="release", actor="wang")
    return list(range(1, 6))


def verify_cli(app: typer.Typer) -> tuple[int, str]:
    """Run `screening audit verify`: exit code and everything it printed."""
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


async def test_an_intact_trail_verifies(trail: list[int], db: Database, cli: typer.Typer) -> None:
    verdict = db.read_sync(verify_audit)
    assert verdict.ok and verdict.entries == verdict.head_seq == 5
    code, output = verify_cli(cli)
    assert code == 0 and "ok: 5 entries" in output


async def test_an_edited_entry_is_detected(trail: list[int], db: Database, cli: typer.Typer) -> None:
    db.write_sync(
        lambda s: s.execute(sa.update(AuditEntry).where(AuditEntry.seq == 3).values(actor="someone else"))
    )
    verdict = db.read_sync(verify_audit)
    assert (verdict.bad_seq, verdict.ok) == (3, False) and "altered" in (verdict.problem or "")
    code, output = verify_cli(cli)
    assert code == 1 and "entry 3" in output


async def test_an_edited_before_after_is_detected(trail: list[int], db: Database) -> None:
    db.write_sync(
        lambda s: s.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.seq == 5)
            .values(after={"status": "seized", "assignee": "wang"})
        )
    )
    assert db.read_sync(verify_audit).bad_seq == 5


async def test_a_deleted_entry_is_detected(trail: list[int], db: Database, cli: typer.Typer) -> None:
    db.write_sync(lambda s: s.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 2)))
    verdict = db.read_sync(verify_audit)
    assert verdict.bad_seq == 2 and "missing" in (verdict.problem or "")
    code, output = verify_cli(cli)
    assert code == 1 and "entry 2" in output


async def test_a_truncated_trail_is_detected(trail: list[int], db: Database, cli: typer.Typer) -> None:
    db.write_sync(lambda s: s.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 4)))
    verdict = db.read_sync(verify_audit)
    assert verdict.bad_seq == 4 and "cut off" in (verdict.problem or "")
    code, output = verify_cli(cli)
    assert code == 1 and "entry 4" in output


async def test_a_renumbered_chain_does_not_verify(trail: list[int], db: Database) -> None:
    # Deleting an entry and shifting the later ones down hides the gap but not the broken links.
    def renumber(session: sa.orm.Session) -> None:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 2))
        for seq in (3, 4, 5):
            session.execute(sa.update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))

    db.write_sync(renumber)
    assert db.read_sync(verify_audit).bad_seq == 2
