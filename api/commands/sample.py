"""`screening sample load`: a simulated fortnight scored into the data dir, so a new install has data."""

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated

import typer

from screening.agreements import parse_agreements_csv
from screening.cases.desk import open_desk
from screening.contract import Waybill
from screening.engine import build_engine
from screening.outlets import OutletRegistry, parse_outlets_csv
from screening.parcel import BEIJING
from screening.settings import Settings, get_settings
from screening.simulation import Simulation, simulate, waybill_dict

STAMP = "sample-loaded"


def sample_world(*, rows: int, days: int, seed: int) -> Simulation:
    """The simulated waybills of the days before today, with their outlets and agreement customers."""
    first = datetime.now(BEIJING).date() - timedelta(days=days)
    return simulate(rows=rows, seed=seed, start=first, days=days, violators=3.0)


async def load_sample(*, settings: Settings, rows: int, days: int, seed: int) -> dict[str, int]:
    """Register the simulated outlets and agreement customers, then score the waybills as couriers would."""
    world = sample_world(rows=rows, days=days, seed=seed)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    OutletRegistry(data_dir / "outlets.csv").upsert(parse_outlets_csv(world.outlets.write_csv()))
    engine = build_engine(settings)
    await engine.start()
    # Through the engine's registry: in Redis mode the agreements live there, for every node.
    await engine.agreements.put(parse_agreements_csv(world.agreements.write_csv()))
    desk = await open_desk(settings=settings, engine=engine)
    counts: dict[str, int] = {}
    try:
        # In arrival order: the stream holds couriers' re-sends and retries, which count once.
        for row in world.waybills.iter_rows(named=True):
            decision = await engine.decide(Waybill.model_validate(waybill_dict(row)))
            counts[decision.decision] = counts.get(decision.decision, 0) + 1
    finally:
        await desk.stop()
        await engine.close()
        desk.db.dispose()
    return counts


def load(
    rows: Annotated[int, typer.Option(min=1, help="Waybills to simulate and score.")] = 3000,
    days: Annotated[int, typer.Option(min=1, help="Days before today they spread over.")] = 14,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 11,
    once: Annotated[bool, typer.Option(help="Do nothing when a sample was loaded before.")] = False,
) -> None:
    """Score a simulated sample into the data dir: outlets, agreement customers, decision log, cases."""
    settings = get_settings()
    stamp = settings.data_dir / STAMP
    if once and stamp.exists():
        typer.echo(f"sample already loaded on {stamp.read_text().strip()}")
        return
    counts = asyncio.run(load_sample(settings=settings, rows=rows, days=days, seed=seed))
    stamp.write_text(f"{date.today().isoformat()}\n")
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    typer.echo(f"sample loaded: {summary}")


def register(app: typer.Typer) -> None:
    """Add `sample load` to the CLI."""
    group = typer.Typer(help="Sample data for a new install.", no_args_is_help=True)
    group.command("load")(load)
    app.add_typer(group, name="sample")
