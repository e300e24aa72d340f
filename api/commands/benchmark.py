"""`screening benchmark`: external checks of the model pipeline on public data."""

import json
from pathlib import Path
from typing import Annotated

import typer


def customs_kr(
    train: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Training declarations (CSV).")],
    valid: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Validation declarations (CSV): stops boosting.")
    ],
    test: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Declarations to measure on (CSV with Fraud).")
    ],
    seed: Annotated[int, typer.Option(help="Seed of the booster's row and column sampling.")] = 0,
    out_json: Annotated[
        Path | None, typer.Option(help="Also write the figures, rounds and feature list to this file.")
    ] = None,
) -> None:
    """Train on the Korean customs declarations and print precision at 5 % and 10 % of the test file."""
    from polars.exceptions import PolarsError

    from models.customs_kr import benchmark, read_declarations

    try:
        result = benchmark(
            read_declarations(train), read_declarations(valid), read_declarations(test), seed=seed
        )
    except (ValueError, PolarsError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result.figures()))
    if out_json is not None:
        detail = {
            **result.figures(),
            "rounds": result.rounds,
            "seed": seed,
            "features": list(result.features),
        }
        out_json.write_text(json.dumps(detail, indent=2) + "\n", encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add the `benchmark` command group to the CLI."""
    group = typer.Typer(help="External checks of the model pipeline on public data.", no_args_is_help=True)
    group.command("customs-kr")(customs_kr)
    app.add_typer(group, name="benchmark")
