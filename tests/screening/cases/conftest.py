"""Case tests run on SQLite and on a real PostgreSQL: a migrated database, a case desk on the test engine."""

import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer

from api.commands.cases import register
from screening.cases.audit import GENESIS, HEAD_ID
from screening.cases.desk import CaseDesk
from screening.cases.feedback import HistoryViolations
from screening.cases.outbox import Outbox
from screening.cases.schemas import CaseDraft
from screening.cases.snapshot import case_id_of
from screening.cases.tables import AuditHead
from screening.contract import Decision, Waybill
from screening.db import Base, Database, upgrade_database
from screening.engine import Engine
from screening.settings import get_settings
from tests.factories import BASE_TIME, export_postal, item
from tests.factories import ant_ring as ant_ring

BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: str) -> str:
    """This session's PostgreSQL database with every migration applied."""
    upgrade_database(postgres_database)
    return postgres_database


def empty_tables(url: str) -> None:
    """Delete every row and restart the audit chain (tests share the session's PostgreSQL database)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(sa.insert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty case database: an SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "cases.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url = str(request.getfixturevalue("migrated_postgres"))
    empty_tables(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The case database, closed after the test."""
    database = Database.connect(database_url, timeout_s=2.0)
    yield database
    database.dispose()


@pytest.fixture
def make_desk(engine: Engine, tmp_path: Path) -> Callable[..., CaseDesk]:
    """make_desk(db, **options): a desk on the test engine (its case sink), outbox in the test's data dir."""

    def make(database: Database, **options: Any) -> CaseDesk:
        options.setdefault("outbox", Outbox(tmp_path / "outbox"))
        options.setdefault("sla_hours", engine.policy.cases.sla_hours)
        desk = CaseDesk(
            db=database,
            privacy=engine.privacy,
            violations=HistoryViolations(history=engine.history, ledger=engine.ledger, engine=engine),
            **options,
        )
        engine.cases = desk
        return desk

    return make


@pytest.fixture
def desk(db: Database, make_desk: Callable[..., CaseDesk]) -> CaseDesk:
    """A desk on the test database (not started: no background retry)."""
    return make_desk(db)


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


def held(**changes: Any) -> dict[str, Any]:
    """A personal postal article over the 800 CNY limit in two units: held (OVER_PERSONAL_LIMIT)."""
    base: dict[str, Any] = {"items": [item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)]}
    return export_postal(**(base | changes))


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    """The case commands of the CLI, pointed at the test database."""
    monkeypatch.setenv("SCREENING_DATABASE_URL", database_url)
    get_settings.cache_clear()
    app = typer.Typer()
    register(app)
    yield app
    get_settings.cache_clear()


def draft(n: int, *, minutes: float = 0, risk: float = 0.5, links: tuple[int, ...] = ()) -> CaseDraft:
    """The draft of a hold on waybill n, scored `minutes` after the base time, linked to waybills links."""
    number = f"SF{1500000000000 + n}"
    reasons = [{"code": "OVER_PERSONAL_LIMIT", "outcome": "hold"}]
    return CaseDraft(
        case_id=case_id_of("SF", number),
        carrier="SF",
        waybill_no=number,
        lane="export",
        channel="postal",
        outlet_id="SF-310115-0042",
        accepted_at=BASE_TIME,
        scored_at=BASE_TIME + timedelta(minutes=minutes),
        risk_score=risk,
        reason_codes=("OVER_PERSONAL_LIMIT",),
        hold_reasons=1,
        decision_digest=f"digest-{risk}",
        decision={"reasons": reasons, "risk_score": risk, "policy_version": "p1", "model_version": "m1"},
        waybill={"waybill_no": number},
        linked_waybills=tuple(f"SF{1500000000000 + i}" for i in links),
        entities={f"key-{n}": "sender_id", "key-shared": "sender_phone"},
        sender_id=None,
        receiver_id=None,
    )
