"""`screening simulate | train | models list/promote | evaluate | backtest`; the first-start bootstrap."""

import asyncio
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from api.commands import require_file
from features.goods import GoodsCatalogue
from models.card import budget_markdown
from models.registry import MODEL_FILE, Registry, UnknownVersion
from models.scorer import BoosterModel
from models.training import TrainingConfig
from screening.agreements import parse_agreements_csv
from screening.errors import ConfigurationError
from screening.modelling.backtest import backtest as run_backtest
from screening.modelling.backtest import render
from screening.modelling.dataset import read_history
from screening.modelling.replay import history_agreements, replay_engine
from screening.modelling.train import evaluate_model, train_model
from screening.parcel import BEIJING
from screening.policy.loader import load_policy
from screening.scoring import ModelScorer
from screening.settings import Settings, get_settings
from screening.simulation import simulate as run_simulation

# The default world `screening train` learns from when no history is given: 75 days ending after Double 11.
DEFAULT_ROWS = 80_000
DEFAULT_START = date(2026, 9, 20)
DEFAULT_DAYS = 75
# The first-start bootstrap: small enough to train in seconds.
BOOTSTRAP_ROWS = 5_000
BOOTSTRAP_DAYS = 28


def models_root(settings: Settings) -> Path:
    """The registry folder: SCREENING_MODEL_DIR, else <data_dir>/models."""
    return settings.model_dir or settings.data_dir / "models"


def ensure_model(settings: Settings) -> None:
    """Train and promote a small bootstrap model when the registry has no production model (first start)."""
    registry = Registry(models_root(settings))
    if registry.production() is not None:
        return
    sim = run_simulation(
        rows=BOOTSTRAP_ROWS, seed=7, start=date(2026, 10, 1), days=BOOTSTRAP_DAYS, violators=3.0
    )
    policy = load_policy(settings.policy_file)
    agreements = history_agreements(None, settings) + parse_agreements_csv(sim.agreements.write_csv())

    async def run() -> str:
        with replay_engine(settings=settings, policy=policy, agreements=agreements) as engine:
            trained = await train_model(
                engine=engine,
                rules_engine=None,
                history=sim.waybills,
                registry=registry,
                source=f"bootstrap simulation ({BOOTSTRAP_ROWS} waybills, seed 7)",
                config=TrainingConfig(rounds=150, eta=0.1, early_stopping=20),
                version=f"bootstrap-{datetime.now(BEIJING):%Y%m%d-%H%M%S}",
            )
        return trained.version

    registry.promote(asyncio.run(run()))


def ensure() -> None:
    """Train and promote a small bootstrap model unless the registry already has a production one."""
    settings = get_settings()
    ensure_model(settings)
    typer.echo(f"production model: {Registry(models_root(settings)).production()}")


def register(app: typer.Typer) -> None:
    """Add the model commands to the `screening` CLI."""
    app.command()(simulate)
    app.command()(train)
    app.command()(evaluate)
    app.command()(backtest)
    group = typer.Typer(
        help="The model registry: list versions, promote one to production.", no_args_is_help=True
    )
    group.command("list")(list_models)
    group.command("promote")(promote)
    group.command("ensure")(ensure)
    app.add_typer(group, name="models")


def simulate(
    out: Annotated[Path, typer.Option(help="Parquet file to write (outlets and agreements CSV beside it).")],
    rows: Annotated[int, typer.Option(min=1, help="Waybills to simulate.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same file.")] = 7,
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day (Beijing).")] = datetime(
        2026, 10, 1
    ),
    days: Annotated[int, typer.Option(min=1, help="Days to simulate.")] = 61,
) -> None:
    """Write a seeded synthetic waybill history with ground-truth labels."""
    began = time.perf_counter()
    sim = run_simulation(rows=rows, seed=seed, start=start.date(), days=days)
    made = time.perf_counter()
    written = sim.write(out)
    violations = int(sim.waybills["label"].sum())
    typer.echo(
        f"{len(sim.waybills)} waybills, {violations} violations ({violations / len(sim.waybills):.2%}) in "
        f"{made - began:.1f} s (+{time.perf_counter() - made:.1f} s writing): " + ", ".join(map(str, written))
    )


def train(
    history: Annotated[
        Path | None, typer.Option(help="Waybill history (Parquet); simulated when absent.")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="`screening labels export` Parquet overriding labels.")
    ] = None,
    budget: Annotated[
        float, typer.Option(min=0.001, max=0.5, help="Inspection budget the thresholds are for.")
    ] = 0.05,
    promote_it: Annotated[bool, typer.Option("--promote", help="Make the new version production.")] = False,
    seed: Annotated[int, typer.Option(help="Training seed.")] = 7,
    rules: Annotated[bool, typer.Option(help="Replay the rules for the rules-only comparison.")] = True,
) -> None:
    """Train a model on a time split, judge it on the held-out month and register it."""
    settings = get_settings()
    _require_files(history, labels)
    if history is None:
        history = settings.data_dir / "simulated" / "history.parquet"
        if not history.exists():
            typer.echo(f"simulating {DEFAULT_ROWS} waybills over {DEFAULT_DAYS} days into {history}")
            run_simulation(rows=DEFAULT_ROWS, seed=seed, start=DEFAULT_START, days=DEFAULT_DAYS).write(
                history
            )
    frame = read_history(history, labels)
    policy = load_policy(settings.policy_file)
    agreements = history_agreements(history, settings)
    registry = Registry(models_root(settings))
    goods = GoodsCatalogue.shipped()

    async def run() -> str:
        with (
            replay_engine(settings=settings, policy=policy, agreements=agreements, goods=goods) as engine,
            replay_engine(
                settings=settings, policy=policy, agreements=agreements, goods=goods
            ) as rules_engine,
        ):
            trained = await train_model(
                engine=engine,
                rules_engine=rules_engine if rules else None,
                history=frame,
                registry=registry,
                source=str(history) + (f" with labels from {labels}" if labels else ""),
                budget=budget,
                config=TrainingConfig(seed=seed),
            )
        return trained.version

    began = time.perf_counter()
    version = asyncio.run(run())
    if promote_it:
        registry.promote(version)
    folder = registry.folder(version)
    typer.echo(f"trained {version} in {time.perf_counter() - began:.0f} s: {folder / 'MODEL_CARD.md'}")
    typer.echo(json.dumps(json.loads((folder / "metrics.json").read_text())["headline"], indent=2))
    if promote_it:
        typer.echo(f"{version} is now production")


def list_models() -> None:
    """List registered model versions (* marks production)."""
    versions = Registry(models_root(get_settings())).versions()
    if not versions:
        typer.echo("no models registered")
        return
    for m in versions:
        mark = "*" if m.production else " "
        t = m.thresholds
        typer.echo(
            f"{mark} {m.version:<28} {m.created[:19]:<20} pr_auc={m.headline.get('pr_auc', '?')} "
            f"inspect>{t.get('inspect_threshold', 0):.4f} hold>{t.get('hold_threshold', 0):.4f} "
            f"(budget {t.get('budget', 0):.0%})"
        )


def promote(version: Annotated[str, typer.Argument(help="Version to make production.")]) -> None:
    """Point the production alias at a version (picked up at the next start)."""
    try:
        Registry(models_root(get_settings())).promote(version)
    except UnknownVersion as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{version} is now production")


def _require_files(history: Path | None, labels: Path | None) -> None:
    """Refuse a --history or --labels file that cannot be read, naming it."""
    if history is not None:
        require_file(history, "--history")
    if labels is not None:
        require_file(labels, "--labels")


def _version(registry: Registry, version: str | None) -> str:
    chosen = version or registry.production()
    if chosen is None or not (registry.folder(chosen) / MODEL_FILE).exists():
        typer.echo(
            f"no model {'version ' + version if version else 'in production'} in {registry.root}", err=True
        )
        raise typer.Exit(1)
    return chosen


def evaluate(
    history: Annotated[
        Path | None, typer.Option(help="History to judge on; a fresh simulated month when absent.")
    ] = None,
    version: Annotated[str | None, typer.Option(help="Model version (default: production).")] = None,
    labels: Annotated[
        Path | None, typer.Option(help="`screening labels export` Parquet overriding labels.")
    ] = None,
    rules: Annotated[bool, typer.Option(help="Replay the rules for the rules-only comparison.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Precision, recall and evaded value caught at 1/2/5/10 % budgets; rules only versus rules + model."""
    settings = get_settings()
    registry = Registry(models_root(settings))
    chosen = _version(registry, version)
    _require_files(history, labels)
    if history is None:
        # Held out: another seed, and the month after the default training period.
        held_out = settings.data_dir / "simulated" / "held-out.parquet"
        if not held_out.exists():
            run_simulation(rows=50_000, seed=2027, start=DEFAULT_START + timedelta(days=30), days=60).write(
                held_out
            )
        history = held_out
    frame = read_history(history, labels)
    policy = load_policy(settings.policy_file)
    agreements = history_agreements(history, settings)
    booster = BoosterModel.load(registry.folder(chosen) / MODEL_FILE).booster

    async def run() -> dict[str, object]:
        with (
            replay_engine(settings=settings, policy=policy, agreements=agreements) as engine,
            replay_engine(settings=settings, policy=policy, agreements=agreements) as rules_engine,
        ):
            return await evaluate_model(
                engine=engine,
                rules_engine=rules_engine if rules else None,
                booster=booster,
                thresholds=registry.thresholds(chosen),
                history=frame,
            )

    result = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(
        f"model {chosen} on {history}, {result['from']} to {result['to']}: {result['parcels']} parcels, "
        f"{result['positives']} violations, PR-AUC {result['pr_auc']:.3f}, Brier {result['brier']:.4f}"
    )
    typer.echo(budget_markdown(result["strategies"]))  # type: ignore[arg-type]


def backtest(
    history: Annotated[Path, typer.Option(help="Waybill history (Parquet) to replay.")],
    from_day: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (Beijing).")
    ] = None,
    to_day: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (Beijing).")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Policy file to try (default: in force).")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: production; none without one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Replay a period through the full engine, fresh history: decision rates, catch rates, daily load."""
    settings = get_settings()
    try:
        policy = load_policy(policy_file or settings.policy_file)
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    registry = Registry(models_root(settings))
    chosen = version or registry.production()
    scorer = ModelScorer.load(registry, _version(registry, chosen)) if chosen else None
    frame = read_history(require_file(history, "--history"))
    day = pl.col("accepted_at").dt.convert_time_zone("Asia/Shanghai").dt.date()
    if from_day is not None:
        frame = frame.filter(day >= from_day.date())
    if to_day is not None:
        frame = frame.filter(day <= to_day.date())

    async def run() -> str:
        with replay_engine(
            settings=settings, policy=policy, agreements=history_agreements(history, settings), scorer=scorer
        ) as engine:
            report = await run_backtest(engine, frame)
        return json.dumps(report.as_dict(), indent=2) if as_json else render(report)

    typer.echo(asyncio.run(run()))
