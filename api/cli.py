"""The `screening` command line."""

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.commands import audit, benchmark, cases, history, keys, models, require_file, sample
from screening.contract import Waybill
from screening.errors import ConfigurationError, InvalidInput
from screening.policy.loader import load_policy
from screening.settings import get_settings

app = typer.Typer(
    help="Parcel risk screening: serve the API, check the policy, score waybills.", no_args_is_help=True
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (more than 1 needs SCREENING_REDIS_URL).")
    ] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Start the HTTP API."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not settings.redis_url:
        typer.echo(
            "refusing --workers > 1 with the embedded history store: each process would keep its own "
            "history and count parcels apart. Set SCREENING_REDIS_URL to share history between workers.",
            err=True,
        )
        raise typer.Exit(2)
    try:
        settings.check_secrets()
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level.lower(),
        access_log=False,
        # A worker imports xgboost, polars and the policy before it answers; on a loaded machine that takes
        # longer than uvicorn's 5 s default, and the supervisor would kill and respawn it in a loop.
        timeout_worker_healthcheck=60,
    )


@app.command("check-policy")
def check_policy(file: Annotated[Path, typer.Argument(help="Policy file (TOML).")]) -> None:
    """Validate a policy file and print its version."""
    try:
        policy = load_policy(file)
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: ok, version {policy.version}")


@app.command()
def score(file: Annotated[Path, typer.Argument(help="A waybill as JSON ('-' for standard input).")]) -> None:
    """Score one waybill from a file and print the decision."""
    from screening.cases.desk import open_desk
    from screening.engine import build_engine

    # A file's bytes: text that is not UTF-8 is then refused by the JSON parser as json_invalid.
    text = sys.stdin.read() if str(file) == "-" else require_file(file, "FILE").read_bytes()
    try:
        waybill = Waybill.model_validate_json(text)
    except ValidationError as exc:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        typer.echo(json.dumps({"detail": detail}, ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from exc

    async def run() -> str:
        # As the service decides: a hold opens its case (written from a thread; one waybill needs no writer).
        settings = get_settings().model_copy(update={"case_writer": "thread"})
        engine = build_engine(settings)
        try:
            await engine.start()
            desk = await open_desk(settings=settings, engine=engine)
            try:
                decision = await engine.decide(waybill)
            finally:
                await desk.stop()
                desk.db.dispose()
        finally:
            await engine.close()
        return decision.model_dump_json(indent=2)

    try:
        typer.echo(asyncio.run(run()))
    except InvalidInput as exc:
        typer.echo(json.dumps({"detail": exc.detail}, ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from exc


for _commands in (history, models, cases, audit, benchmark, keys, sample):
    _commands.register(app)
