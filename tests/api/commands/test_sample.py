"""`screening sample load`: a new install gets outlets, agreements, logged decisions and cases, once."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from api.commands.sample import register, sample_world
from screening.cases.tables import Case
from screening.db import Database, database_url
from screening.decisionlog import LogLayout
from screening.decisionlog.reader import scan_log
from screening.settings import get_settings
from tests.api.commands.conftest import CommandApp


@pytest.fixture
def cli(command_app: CommandApp) -> typer.Typer:
    """A `screening`-like app with the sample commands, on a private data dir."""
    return command_app(register)


def test_a_sample_is_scored_into_the_log_and_the_case_queue_once(cli: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sample", "load", "--rows", "300", "--days", "7", "--once"])
    assert result.exit_code == 0, result.output
    summary = result.output.split(": ")[-1].strip().split(", ")
    counts = {outcome: int(n) for n, outcome in (part.split(" ") for part in summary)}
    assert sum(counts.values()) == 300
    assert counts.get("hold", 0) > 0
    settings = get_settings()
    assert (settings.data_dir / "outlets.csv").read_text().count("\n") > 1
    today = datetime.now(UTC).date()
    logged = scan_log(
        LogLayout(settings.data_dir / "decisionlog"), start=today - timedelta(days=9), end=today
    )
    parcels = sample_world(rows=300, days=7, seed=11).waybills.select("carrier", "waybill_no").unique()
    assert logged.select("carrier", "waybill_no").unique().collect().height == parcels.height
    db = Database.connect(database_url(settings))
    cases = db.read_sync(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Case)))
    db.dispose()
    assert cases == counts["hold"]
    again = CliRunner().invoke(cli, ["sample", "load", "--once"])
    assert again.exit_code == 0 and "already loaded" in again.output
