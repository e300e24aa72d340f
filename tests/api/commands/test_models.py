"""The model commands: simulate, train, models list/promote, evaluate, backtest, first-start bootstrap."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.commands.models import ensure_model, register
from models.registry import Registry
from screening.settings import Settings
from tests.api.commands.conftest import CommandApp


@pytest.fixture
def cli(command_app: CommandApp) -> typer.Typer:
    """A `screening`-like app with the model commands, on a private data dir."""
    return command_app(register)


def run(app: typer.Typer, *args: str) -> str:
    """Invoke a command and expect success."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_simulate_writes_the_history_and_its_registries(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "h.parquet"
    text = run(
        cli,
        "simulate",
        "--rows",
        "800",
        "--seed",
        "3",
        "--start",
        "2026-11-01",
        "--days",
        "3",
        "--out",
        str(out),
    )
    assert "800 waybills" in text
    assert out.exists() and (tmp_path / "h.agreements.csv").exists() and (tmp_path / "h.outlets.csv").exists()


def test_first_start_trains_and_promotes_a_model_once(tmp_path: Path) -> None:
    settings = Settings(env="development", data_dir=tmp_path / "data")
    ensure_model(settings)
    registry = Registry(tmp_path / "data" / "models")
    first = registry.production()
    assert first is not None and first.startswith("bootstrap-")
    assert (registry.folder(first) / "MODEL_CARD.md").exists()
    ensure_model(settings)
    assert [m.version for m in registry.versions()] == [first]


@pytest.mark.slow
def test_train_list_promote_evaluate_and_backtest(cli: typer.Typer, tmp_path: Path) -> None:
    history = tmp_path / "h.parquet"
    run(
        cli,
        "simulate",
        "--rows",
        "4000",
        "--seed",
        "4",
        "--start",
        "2026-10-01",
        "--days",
        "21",
        "--out",
        str(history),
    )
    text = run(cli, "train", "--history", str(history), "--budget", "0.05")
    assert "trained xgb-" in text
    registry = Registry(tmp_path / "data" / "models")
    (version,) = [m.version for m in registry.versions()]
    card = (registry.folder(version) / "MODEL_CARD.md").read_text()
    assert "| 5% |" in card and "rules only" in card and "(pr_curve.png)" in card
    trained = json.loads((registry.folder(version) / "metrics.json").read_text())
    assert set(trained["test"]["strategies"]) == {"rules", "model", "rules_model"}
    assert registry.production() is None
    assert f"  {version}" in run(cli, "models", "list")
    bad = CliRunner().invoke(cli, ["models", "promote", "no-such-version"])
    assert bad.exit_code == 1
    run(cli, "models", "promote", version)
    assert f"* {version}" in run(cli, "models", "list")
    metrics = json.loads(run(cli, "evaluate", "--history", str(history), "--no-rules", "--json"))
    assert {"pr_auc", "strategies", "calibration"} <= set(metrics)
    assert [b["budget"] for b in metrics["strategies"]["model"]["budgets"]] == [0.01, 0.02, 0.05, 0.1]
    report = json.loads(
        run(
            cli, "backtest", "--history", str(history), "--from", "2026-10-15", "--to", "2026-10-17", "--json"
        )
    )
    assert report["model_version"] == version
    assert sum(report["decisions"].values()) == report["parcels"] > 0
    assert [d["day"] for d in report["days"]] == ["2026-10-15", "2026-10-16", "2026-10-17"]
    assert "all" in report["catch"]
    text = run(cli, "backtest", "--history", str(history), "--from", "2026-10-15", "--to", "2026-10-15")
    assert "decision" in text and "inspect" in text and "2026-10-15" in text
