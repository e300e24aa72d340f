"""`screening keys`: API keys of courier, customs and admin systems (create, list, revoke)."""

from datetime import UTC, datetime
from typing import Annotated

import typer

from api.commands.cases import _database
from screening.errors import InvalidInput, NotFound
from screening.keys.service import KeyKind, create_key, list_keys, revoke_key
from screening.settings import get_settings


def register(app: typer.Typer) -> None:
    """Add the keys commands."""
    keys = typer.Typer(help="API keys of courier, customs and admin systems.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def create(
        carrier: Annotated[str | None, typer.Option(help="A courier's key: scores its own waybills.")] = None,
        customs: Annotated[
            str | None, typer.Option(help="A customs office's key: works cases, reports inspections.")
        ] = None,
        admin: Annotated[str | None, typer.Option(help="An admin system's key: /v1/admin routes.")] = None,
        label: Annotated[str | None, typer.Option(help="A note on who holds the key.")] = None,
        rate: Annotated[
            float | None, typer.Option(help="Requests per second (default SCREENING_KEY_RATE_PER_S).")
        ] = None,
    ) -> None:
        """Create a key and print it once (only its SHA-256 is stored)."""
        given: tuple[tuple[KeyKind, str | None], ...] = (
            ("carrier", carrier),
            ("customs", customs),
            ("admin", admin),
        )
        chosen = [(kind, scope) for kind, scope in given if scope]
        if len(chosen) != 1:
            typer.echo("give exactly one of --carrier CODE, --customs OFFICE, --admin NAME", err=True)
            raise typer.Exit(2)
        kind, scope = chosen[0]
        now = datetime.now(UTC)
        db = _database()
        try:
            token, info = db.write_sync(
                lambda s: create_key(s, kind=kind, scope=scope, label=label, rate_per_s=rate, now=now)
            )
        except InvalidInput as exc:
            typer.echo(f"cannot create key: {exc}", err=True)
            raise typer.Exit(2) from exc
        finally:
            db.dispose()
        typer.echo(f"created {info.kind} key {info.id} for {info.scope} ({info.prefix}…)")
        typer.echo(f"key (shown once): {token}")

    @keys.command("list")
    def list_() -> None:
        """Every key: id, prefix, kind, scope, created, revoked."""
        db = _database()
        try:
            rows = db.read_sync(list_keys)
        finally:
            db.dispose()
        for k in rows:
            revoked = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "live"
            rate = f"{k.rate_per_s:g}/s" if k.rate_per_s else "default rate"
            typer.echo(
                f"{k.id}\t{k.prefix}\t{k.kind}\t{k.scope}\t{k.created_at:%Y-%m-%d %H:%M}\t{revoked}\t{rate}"
                f"\t{k.label or ''}"
            )

    @keys.command("revoke")
    def revoke(key: Annotated[str, typer.Argument(help="The key's id or the start of its prefix.")]) -> None:
        """Revoke a key; running services refuse it within SCREENING_API_KEY_CACHE_S seconds."""
        db = _database()
        try:
            info = db.write_sync(lambda s: revoke_key(s, ref=key, now=datetime.now(UTC)))
        except NotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        finally:
            db.dispose()
        typer.echo(
            f"revoked {info.kind} key {info.id} ({info.prefix}…); refused within "
            f"{get_settings().api_key_cache_s:g} s"
        )
